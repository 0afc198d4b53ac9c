"""Staff: membership offers are made here (writers make theirs in the studio); the rest is for reading."""

from django.contrib import admin

from byline.subscriptions.models import AuthorPrice, AuthorSubscription, Offer, Redemption, SubscriptionCharge


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ("__str__", "target", "author", "kind", "code", "starts_at", "ends_at", "redeemed",
                    "max_redemptions", "retention", "active")
    list_filter = ("target", "kind", "active", "retention")
    readonly_fields = ("token", "redeemed")
    search_fields = ("code",)


@admin.register(AuthorPrice)
class AuthorPriceAdmin(admin.ModelAdmin):
    list_display = ("author", "interval", "currency", "price_minor", "active")
    list_filter = ("interval", "currency", "active")


class ReadOnly(admin.ModelAdmin):
    """Money rows: changed only by the services, never by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuthorSubscription)
class AuthorSubscriptionAdmin(ReadOnly):
    list_display = ("reader", "author", "interval", "currency", "price_minor", "status", "period_end",
                    "cancel_at_period_end")
    list_filter = ("status", "interval", "currency")


@admin.register(SubscriptionCharge)
class SubscriptionChargeAdmin(ReadOnly):
    list_display = ("subscription", "amount_minor", "credited_minor", "period_start", "period_end", "transfer")


@admin.register(Redemption)
class RedemptionAdmin(ReadOnly):
    list_display = ("offer", "reader", "created_at", "subscription", "membership")

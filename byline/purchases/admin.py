"""Staff: membership plans, and purchases with a refund action (a reversing transfer, never an edit)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from byline.core.admin import RecordAdmin
from byline.purchases.models import Membership, MembershipPlan, Purchase, PurchaseStatus
from byline.purchases.services import refund_purchase


@admin.register(MembershipPlan)
class MembershipPlanAdmin(admin.ModelAdmin):
    list_display = ("name", "interval", "price_minor", "currency", "active")
    list_filter = ("active", "currency", "interval")


@admin.register(Purchase)
class PurchaseAdmin(RecordAdmin):
    list_display = ("id", "reader", "article", "price_minor", "currency", "status", "created_at")
    list_filter = ("status", "currency")
    search_fields = ("reader__username", "article__title")
    actions = ["refund"]

    @admin.action(description=_("Refund the selected purchases to the readers' wallets"))
    def refund(self, request, queryset):
        done = 0
        for purchase in queryset.filter(status=PurchaseStatus.ACTIVE):
            refund_purchase(purchase_id=purchase.pk, staff_user=request.user, reason="admin refund")
            done += 1
        self.message_user(request, ngettext("%(n)d purchase refunded.", "%(n)d purchases refunded.", done)
                          % {"n": done}, messages.SUCCESS)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("reader", "plan", "status", "renew_via", "period_end", "cancel_at_period_end")
    list_filter = ("status", "renew_via")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

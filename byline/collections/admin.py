"""Staff see collections and what was bought of them; money is changed only through the services (a refund
is a reversing transfer, never an edit)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from byline.collections.models import Collection, CollectionItem, CollectionPurchase, CollectionPurchaseStatus
from byline.collections.services import refund_collection_purchase
from byline.core.admin import RecordAdmin
from byline.purchases.errors import UndoRefused


class ItemInline(admin.TabularInline):
    model = CollectionItem
    fields = ("article", "position", "added_at", "removed_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ("title", "author", "price_minor", "currency", "includes_later", "created_at")
    search_fields = ("title", "slug")
    readonly_fields = ("author",)
    inlines = [ItemInline]


@admin.register(CollectionPurchase)
class CollectionPurchaseAdmin(RecordAdmin):
    actions = ["refund"]
    search_fields = ("reader__username", "reader__email", "collection__title")
    # The status early: a support person checks it before and after a refund, on a phone too.
    list_display = ("reader", "collection", "status", "paid_minor", "currency", "price_minor", "credit_minor",
                    "created_at")
    list_filter = ("status", "currency")

    @admin.action(description=_("Refund the selected collection purchases to the readers' wallets"))
    def refund(self, request, queryset):
        done = 0
        for bought in queryset.filter(status=CollectionPurchaseStatus.ACTIVE):
            try:
                refund_collection_purchase(purchase_id=bought.pk, staff_user=request.user, reason="admin refund")
            except UndoRefused as refused:
                self.message_user(request, _("Collection purchase %(id)s was not refunded: %(why)s") % {
                    "id": bought.pk, "why": refused.message}, messages.ERROR)
                continue
            done += 1
        self.message_user(request, ngettext("%(n)d collection purchase refunded.",
                                            "%(n)d collection purchases refunded.", done) % {"n": done},
                          messages.SUCCESS)

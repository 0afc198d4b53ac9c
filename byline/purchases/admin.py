"""Staff: membership plans, purchases with a refund action (a reversing transfer, never an edit), and readers'
refund requests, answered with the same refund or a decline."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from byline.core.admin import RecordAdmin
from byline.purchases.errors import UndoRefused
from byline.purchases.models import (
    Membership,
    MembershipPlan,
    Purchase,
    PurchaseStatus,
    RefundRequest,
    RefundRequestStatus,
)
from byline.purchases.services import answer_refund_request, refund_purchase


def _refused(model_admin, request, purchase_id: int, refused: UndoRefused) -> None:
    model_admin.message_user(request, _("Purchase %(id)s was not refunded: %(why)s") % {
        "id": purchase_id, "why": refused.message}, messages.ERROR)


@admin.register(MembershipPlan)
class MembershipPlanAdmin(admin.ModelAdmin):
    list_display = ("name", "interval", "price_minor", "currency", "prices", "active")
    list_filter = ("active", "currency", "interval")
    help_texts = {"prices": _("Own prices in other currencies in minor units, e.g. {\"CNY\": 3000}; a currency "
                              "left out is charged the converted price.")}

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs.setdefault("help_texts", self.help_texts)
        return super().get_form(request, obj, change=change, **kwargs)


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
            try:
                refund_purchase(purchase_id=purchase.pk, staff_user=request.user, reason="admin refund")
            except UndoRefused as refused:
                _refused(self, request, purchase.pk, refused)
                continue
            done += 1
        self.message_user(request, ngettext("%(n)d purchase refunded.", "%(n)d purchases refunded.", done)
                          % {"n": done}, messages.SUCCESS)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("reader", "plan", "price_minor", "currency", "status", "renew_via", "period_end",
                    "cancel_at_period_end")
    list_filter = ("status", "renew_via")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(RefundRequest)
class RefundRequestAdmin(RecordAdmin):
    list_display = ("created_at", "reader", "purchase", "status", "answered_at")
    list_filter = ("status",)
    search_fields = ("reader__username", "reader__email", "purchase__article__title")
    actions = ["refund", "decline"]

    def _answer(self, request, queryset, *, refund: bool) -> int:
        done = 0
        for asked in queryset.filter(status=RefundRequestStatus.OPEN):
            try:
                answer_refund_request(request_id=asked.pk, staff_user=request.user, refund=refund)
            except UndoRefused as refused:  # the request stays open
                _refused(self, request, asked.purchase_id, refused)
                continue
            done += 1
        return done

    @admin.action(description=_("Refund the purchases asked about to the readers' wallets"))
    def refund(self, request, queryset):
        done = self._answer(request, queryset, refund=True)
        self.message_user(request, ngettext("%(n)d purchase refunded.", "%(n)d purchases refunded.", done)
                          % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Decline the selected requests"))
    def decline(self, request, queryset):
        done = self._answer(request, queryset, refund=False)
        self.message_user(request, ngettext("%(n)d request declined.", "%(n)d requests declined.", done)
                          % {"n": done}, messages.SUCCESS)

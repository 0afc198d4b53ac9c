"""Staff: checkouts, read-only, with the action that returns a payment to the reader's payment method."""

import logging

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from byline.core.admin import RecordAdmin
from byline.payments.errors import PaymentRefused
from byline.payments.models import Checkout
from byline.payments.refunds import refund_to_payment_method

log = logging.getLogger(__name__)


@admin.register(Checkout)
class CheckoutAdmin(RecordAdmin):
    list_display = ("reference", "reader", "purpose", "provider", "amount_minor", "currency", "status",
                    "refund_ref", "created_at")
    list_filter = ("status", "provider", "currency", "purpose")
    search_fields = ("reference", "provider_ref", "reader__username")
    list_select_related = ("reader",)
    actions = ["refund_to_payment_method"]

    @admin.action(description=gettext_lazy("Refund to the original payment method"), permissions=["change"])
    def refund_to_payment_method(self, request, queryset):
        for checkout in queryset.order_by("pk"):
            try:
                result = refund_to_payment_method(checkout=checkout, staff_user=request.user,
                                                  idempotency_key=f"admin:{request.user.pk}:{checkout.pk}")
            except PaymentRefused as refused:
                self._say(request, checkout, refused.message, messages.ERROR)
            except Exception:  # an answer that never came: the debit stays; trying again asks the provider again
                log.exception("refund of checkout %s", checkout.reference)
                answer = _("The payment service did not answer. Please try again in a moment.")
                self._say(request, checkout, answer, messages.ERROR)
            else:
                text = _("Already returned (%(ref)s).") if result.repeated else _("Returned to the payment method "
                                                                                   "(%(ref)s).")
                self._say(request, checkout, text % {"ref": result.refund_ref},
                          messages.INFO if result.repeated else messages.SUCCESS)

    def _say(self, request, checkout, outcome, level):
        self.message_user(request, _("Checkout %(reference)s: %(outcome)s") % {
            "reference": checkout.reference, "outcome": outcome}, level)

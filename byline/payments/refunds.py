"""Staff returning a payment to where it came from (the card, WeChat Pay or Alipay account).

The money went into the reader's wallet when the payment was confirmed; it comes back out of the wallet
first, and only then is the provider asked to refund. A refusal by the provider reverses the wallet debit.
Only providers that declare `refunds_to_method` are asked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from byline.core.money import money
from byline.ledger import services as ledger
from byline.ledger.models import AccountKind, TransferKind
from byline.ledger.selectors import wallet_balance
from byline.payments import orders
from byline.payments.errors import OrderRefused, PaymentRefused, ProviderError, RefundFailed, RefundRefused
from byline.payments.models import Checkout, CheckoutStatus
from byline.payments.providers import get_provider, provider_class

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RefundResult:
    checkout: Checkout
    refund_ref: str
    repeated: bool  # True when the payment had already been returned: nothing was done this time


def refund_to_payment_method(*, checkout: Checkout, staff_user, idempotency_key: str) -> RefundResult:
    """Return a paid checkout's amount to the reader's payment method, once per checkout.

    (a) Under the wallet's row lock, the amount moves from the reader's wallet to provider clearing
    (key `cashout:<checkout pk>`, suffixed by the attempt after a failed one); refused if the wallet holds
    less. (b) The provider refunds, with a key derived from the checkout, so asking again after an answer
    that never arrived cannot refund twice. (c) If the provider refuses, the debit is reversed and
    RefundFailed is raised. A repeat after success returns the first refund with repeated=True."""
    checkout = _cash_out(checkout=checkout, staff_user=staff_user, idempotency_key=idempotency_key)
    if checkout.refund_ref:
        return RefundResult(checkout=checkout, refund_ref=checkout.refund_ref, repeated=True)
    failure: Exception | None = None
    with transaction.atomic():
        # The checkout row stays locked while the provider is asked: a concurrent attempt waits for the answer.
        checkout = Checkout.objects.select_for_update(of=("self",)).select_related("cashout").get(pk=checkout.pk)
        if checkout.refund_ref:
            return RefundResult(checkout=checkout, refund_ref=checkout.refund_ref, repeated=True)
        if checkout.cashout is None:
            raise RefundFailed(_("The payment service refused this refund; nothing was moved. Please try again."))
        try:
            refund_ref = _provider_refund(checkout=checkout)
        except (ProviderError, PaymentRefused) as error:
            log.warning("refund of checkout %s refused by %s: %s", checkout.reference, checkout.provider, error)
            ledger.reverse(original=checkout.cashout, key=f"{checkout.cashout.key}:reversed",
                           kind=TransferKind.CORRECTION, memo=f"{checkout.provider} refused the refund")
            checkout.cashout, checkout.refund_attempts = None, checkout.refund_attempts + 1
            checkout.save(update_fields=["cashout", "refund_attempts"])
            failure = error
        else:
            checkout.refund_ref, checkout.refunded_at = refund_ref[:200], timezone.now()
            checkout.save(update_fields=["refund_ref", "refunded_at"])
    if failure is not None:
        raise RefundFailed(_("The payment service refused this refund; the money stays in the reader's wallet.")) \
            from failure
    log.info("checkout %s returned to %s by %s: %s", checkout.reference, checkout.provider, staff_user, refund_ref)
    return RefundResult(checkout=checkout, refund_ref=checkout.refund_ref, repeated=False)


def _cash_out(*, checkout: Checkout, staff_user, idempotency_key: str) -> Checkout:
    with transaction.atomic():
        checkout = Checkout.objects.select_for_update(of=("self",)).select_related("reader").get(pk=checkout.pk)
        if checkout.status != CheckoutStatus.PAID or checkout.credit_id is None:
            raise RefundRefused(_("Only a paid payment can be returned."))
        if checkout.refund_ref or checkout.cashout_id:
            return checkout
        amount, currency = checkout.amount_minor, checkout.currency
        wallet = ledger.account_for(kind=AccountKind.WALLET, owner=checkout.reader, currency=currency)
        clearing = ledger.account_for(kind=AccountKind.CLEARING, currency=currency)
        attempt = f":{checkout.refund_attempts}" if checkout.refund_attempts else ""
        try:
            checkout.cashout = ledger.transfer(
                key=f"cashout:{checkout.pk}{attempt}", kind=TransferKind.REFUND,
                legs=[ledger.Leg(wallet, -amount), ledger.Leg(clearing, amount)],
                memo=f"{checkout.reference} to {checkout.provider} by {staff_user} ({idempotency_key})")
        except ledger.InsufficientFunds:
            raise RefundRefused(_(
                "The reader's wallet holds %(balance)s, less than the %(amount)s to return. Undo or refund the "
                "purchases this payment paid for first.") % {
                "balance": money(wallet_balance(reader=checkout.reader, currency=currency), currency),
                "amount": money(amount, currency)}) from None
        checkout.save(update_fields=["cashout"])
        return checkout


def _provider_refund(*, checkout: Checkout) -> str:
    key = f"refund-{checkout.reference}"
    provider = provider_class(checkout.provider)
    if not provider.refunds_to_method:
        raise PaymentRefused(_("This payment method cannot return payments."))
    if provider.qr_checkout:
        try:
            return orders.refund_order(checkout=checkout, idempotency_key=key)
        except OrderRefused as refused:
            raise PaymentRefused(refused.message) from refused
    return get_provider(checkout.provider).refund(provider_ref=checkout.provider_ref,
                                                  amount_minor=checkout.amount_minor, currency=checkout.currency,
                                                  idempotency_key=key)

"""Reads: what a checkout came to, for the page a reader returns to after paying."""

from __future__ import annotations

from dataclasses import dataclass

from byline.payments.models import Checkout, CheckoutStatus
from byline.payments.providers.base import Purpose
from byline.purchases.models import Membership, MembershipCharge, Purchase
from byline.purchases.services import scoped_key
from byline.tips.models import Tip
from byline.tips.selectors import tip_of_checkout


@dataclass(frozen=True)
class CheckoutResult:
    """`outcome` is one of: waiting, failed, bought (an article), member (a membership), tipped, topped_up, kept
    (paid, but what it was for could not be completed: the money stays in the wallet)."""

    outcome: str
    checkout: Checkout
    purchase: Purchase | None = None
    membership: Membership | None = None
    tip: Tip | None = None


def checkout_result(*, checkout: Checkout) -> CheckoutResult:
    """Found from the rows the payment wrote (the purchase or membership charge under the checkout's own key),
    never from the staff-facing `outcome` text."""
    if checkout.status == CheckoutStatus.OPEN:
        return CheckoutResult("waiting", checkout)
    if checkout.status == CheckoutStatus.FAILED:
        return CheckoutResult("failed", checkout)
    key = scoped_key(checkout.reader, f"checkout-{checkout.reference}")
    if checkout.purpose == Purpose.UNLOCK:
        purchase = Purchase.objects.filter(idempotency_key=f"purchase:{key}").select_related("article").first()
        return CheckoutResult("bought", checkout, purchase=purchase) if purchase else CheckoutResult("kept", checkout)
    if checkout.purpose == Purpose.MEMBERSHIP:
        charge = MembershipCharge.objects.filter(transfer__key=f"membership:{key}").select_related(
            "membership__plan").first()
        return CheckoutResult("member", checkout, membership=charge.membership) if charge \
            else CheckoutResult("kept", checkout)
    if checkout.purpose == Purpose.GIFT and checkout.gift_id:
        from byline.gifts.models import GiftState, PaidGift

        paid = PaidGift.objects.filter(pk=checkout.gift_id).exclude(state=GiftState.AWAITING).exists()
        return CheckoutResult("gift", checkout) if paid else CheckoutResult("kept", checkout)
    if checkout.purpose == Purpose.TIP:
        tip = tip_of_checkout(reader_id=checkout.reader_id, reference=checkout.reference)
        return CheckoutResult("tipped", checkout, tip=tip) if tip else CheckoutResult("kept", checkout)
    return CheckoutResult("topped_up", checkout)


def provider_of_tip(tip: Tip) -> str:
    """The payment method ("stripe", "wechatpay", ...) of the checkout that paid for this tip (its key names the
    checkout), or "" for a tip from the wallet."""
    prefix = f"tip:r{tip.tipper_id}:checkout-"
    if not tip.idempotency_key.startswith(prefix):
        return ""
    return (Checkout.objects.filter(reference=tip.idempotency_key[len(prefix):], reader_id=tip.tipper_id)
            .values_list("provider", flat=True).first()) or ""

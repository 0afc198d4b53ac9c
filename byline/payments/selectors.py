"""Reads: what a checkout came to, for the page a reader returns to after paying."""

from __future__ import annotations

from dataclasses import dataclass

from byline.collections.models import CollectionPurchase
from byline.payments.models import Checkout, CheckoutStatus
from byline.payments.providers.base import Purpose
from byline.purchases.models import Membership, MembershipCharge, Purchase
from byline.purchases.services import scoped_key
from byline.subscriptions.models import AuthorSubscription, SubscriptionCharge
from byline.tips.models import Tip
from byline.tips.selectors import tip_of_checkout


@dataclass(frozen=True)
class CheckoutResult:
    """`outcome` is one of: waiting, failed, bought (an article), member (a membership), gift, collection (the
    whole collection), subscribed (a writer subscription), tipped, topped_up, kept (paid, but what it was for could
    not be completed: the money stays in the wallet)."""

    outcome: str
    checkout: Checkout
    purchase: Purchase | None = None
    membership: Membership | None = None
    tip: Tip | None = None
    collection_purchase: CollectionPurchase | None = None
    subscription: AuthorSubscription | None = None


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
        from byline.gifts.models import PaidGift
        from byline.gifts.selectors import paid_key

        # Paid by this checkout, not by the wallet or another card payment for the same gift before it.
        paid = PaidGift.objects.filter(pk=checkout.gift_id,
                                       transfer__key=paid_key(checkout.gift_id, f"checkout-{checkout.reference}"))
        paid = paid.exists()
        return CheckoutResult("gift", checkout) if paid else CheckoutResult("kept", checkout)
    if checkout.purpose == Purpose.COLLECTION:
        bought = CollectionPurchase.objects.filter(idempotency_key=f"collection:{key}").select_related(
            "collection").first()
        return CheckoutResult("collection", checkout, collection_purchase=bought) if bought \
            else CheckoutResult("kept", checkout)
    if checkout.purpose == Purpose.AUTHOR_SUBSCRIPTION:
        charge = SubscriptionCharge.objects.filter(key=f"authorsub:{key}").select_related(
            "subscription__author").first()
        return CheckoutResult("subscribed", checkout, subscription=charge.subscription) if charge \
            else CheckoutResult("kept", checkout)
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

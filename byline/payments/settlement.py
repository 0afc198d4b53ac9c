"""Settling money a provider confirmed: credit the wallet, complete the checkout, fulfil what it was for
(an article unlock, a membership or a tip), renew a card subscription, settle a QR order, and apply one verified
event. The bottom of the payments app's services: it imports no other payments module but the models,
the errors and the provider interface's types (`providers.base`; checked by import-linter, see
docs/DEVELOPING.md). What a provider can do comes in as an argument.

A wallet is credited only when the provider confirms payment (a verified webhook, or a reconciliation's
answer taking the same path), once per checkout, in the same transaction that then completes what the
payment was for. If that last step is no longer possible, the money stays in the wallet.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from byline.access.decision import Reason, decide
from byline.collections import services as collections
from byline.gifts import services as gifts
from byline.gifts.selectors import paid_key
from byline.ledger import services as ledger
from byline.ledger.models import AccountKind, TransferKind
from byline.payments.errors import ProviderError
from byline.payments.models import Checkout, CheckoutStatus, ProviderOrder, Reconciliation
from byline.payments.providers.base import EventKind, PaymentEvent, Purpose
from byline.pricing.services import settle_currency
from byline.purchases import memberships
from byline.purchases import services as purchases
from byline.purchases.errors import PurchaseRefused
from byline.purchases.models import Membership, RenewVia
from byline.subscriptions import services as subscriptions
from byline.tips import services as tips
from byline.tips.errors import TipRefused

log = logging.getLogger(__name__)


def credit_wallet(*, reader, amount_minor: int, currency: str, key: str, memo: str = ""):
    """Move money the provider collected from provider clearing into the reader's wallet, once per key.
    The first money a reader receives settles their currency, if they had none yet (byline/pricing)."""
    clearing = ledger.account_for(kind=AccountKind.CLEARING, currency=currency)
    wallet = ledger.account_for(kind=AccountKind.WALLET, owner=reader, currency=currency)
    posted = ledger.transfer(key=key, kind=TransferKind.TOPUP, memo=memo,
                             legs=[ledger.Leg(clearing, -amount_minor), ledger.Leg(wallet, amount_minor)])
    settle_currency(reader=reader, currency=currency)
    return posted


def apply_event(*, event: PaymentEvent, provider_name: str, qr_checkout: bool) -> tuple[str, Checkout | None]:
    """Act on one verified, not-yet-seen event. Runs inside the webhook's transaction. Returns (outcome, checkout).
    `qr_checkout`: the provider's capability (its payments are for orders: `settle_order_payment`)."""
    if event.kind == EventKind.PAYMENT_SUCCEEDED and qr_checkout:
        return settle_order_payment(event=event, provider_name=provider_name)
    if event.kind in (EventKind.PAYMENT_SUCCEEDED, EventKind.PAYMENT_FAILED):
        checkout = Checkout.objects.select_for_update().filter(reference=event.reference,
                                                               provider=provider_name).first()
        if checkout is None:
            return "unknown checkout", None
        if event.kind == EventKind.PAYMENT_FAILED:
            if checkout.status == CheckoutStatus.OPEN:
                checkout.status, checkout.failure_reason = CheckoutStatus.FAILED, event.failure_reason[:200]
                checkout.save(update_fields=["status", "failure_reason"])
                return "failed", checkout
            return f"ignored failure of a {checkout.status} checkout", checkout
        return complete(checkout=checkout, event=event), checkout
    if event.kind == EventKind.SUBSCRIPTION_RENEWED:
        return renew(event=event), None
    if event.kind == EventKind.SUBSCRIPTION_ENDED:
        memberships.end_card_subscription(subscription_ref=event.subscription_ref)
        subscriptions.end_card_subscription(subscription_ref=event.subscription_ref)
        return "subscription ends at period end", None
    return "ignored", None


def complete(*, checkout: Checkout, event: PaymentEvent) -> str:
    """Credit a checkout (locked by the caller) the provider says was paid, and fulfil it; once."""
    if checkout.status == CheckoutStatus.PAID:
        return "already paid"
    if event.amount_minor != checkout.amount_minor or event.currency != checkout.currency:
        log.error("checkout %s: provider says %s %s, expected %s %s", checkout.reference, event.amount_minor,
                  event.currency, checkout.amount_minor, checkout.currency)
        raise ProviderError("amount or currency differs from the checkout")
    checkout.credit = credit_wallet(reader=checkout.reader, amount_minor=checkout.amount_minor,
                                    currency=checkout.currency, key=f"checkout:{checkout.reference}:credit",
                                    memo=f"{checkout.provider} {checkout.provider_ref}")
    checkout.status, checkout.completed_at = CheckoutStatus.PAID, timezone.now()
    checkout.outcome = fulfil(checkout=checkout, subscription_ref=event.subscription_ref)
    checkout.save(update_fields=["credit", "status", "completed_at", "outcome"])
    return f"paid; {checkout.outcome}"


def fulfil(*, checkout: Checkout, subscription_ref: str) -> str:
    """Spend a paid checkout's credit on what it was for; what cannot be bought any more stays in the wallet."""
    key = f"checkout-{checkout.reference}"
    try:
        with transaction.atomic():
            if checkout.purpose == Purpose.UNLOCK:
                # A card payment can arrive after the reader came to hold the article another way (the whole
                # collection, a subscription, membership): then buying it would charge for what is theirs.
                held = decide(checkout.reader, checkout.article)
                if held and held.reason != Reason.PURCHASE:
                    return f"kept in wallet: already readable ({held.reason})"
                purchase = purchases.unlock_with_wallet(reader=checkout.reader, article=checkout.article,
                                                        idempotency_key=key, currency=checkout.currency,
                                                        quoted_minor=checkout.price_minor)
                return f"purchase {purchase.pk}"
            if checkout.purpose == Purpose.MEMBERSHIP:
                membership = memberships.join_with_wallet(
                    reader=checkout.reader, plan=checkout.plan, idempotency_key=key, currency=checkout.currency,
                    quoted_minor=checkout.price_minor,
                    renew_via=RenewVia.CARD if subscription_ref else RenewVia.WALLET,
                    subscription_ref=subscription_ref, renew_provider=checkout.provider if subscription_ref else "")
                return f"membership {membership.pk}"
            if checkout.purpose == Purpose.GIFT:
                gift = gifts.pay_for_gift(gift_id=checkout.gift_id, quoted_minor=checkout.price_minor, paid_by=key)
                if gift.transfer.key != paid_key(gift.pk, key):
                    # Paid already, from the wallet or by another card payment (Back, pay again): this money stays.
                    return f"kept in wallet: gift {gift.pk} was already paid for"
                return f"gift {gift.pk}"
            if checkout.purpose == Purpose.COLLECTION:
                bought = collections.buy_with_wallet(reader=checkout.reader, collection=checkout.collection,
                                                     idempotency_key=key, currency=checkout.currency,
                                                     quoted_minor=checkout.price_minor)
                return f"collection purchase {bought.pk}"
            if checkout.purpose == Purpose.AUTHOR_SUBSCRIPTION:
                price = checkout.author_price
                subscription = subscriptions.subscribe_with_wallet(
                    reader=checkout.reader, author=price.author, interval=price.interval, idempotency_key=key,
                    currency=checkout.currency, quoted_minor=checkout.price_minor,
                    renew_via=RenewVia.CARD if subscription_ref else RenewVia.WALLET,
                    subscription_ref=subscription_ref, renew_provider=checkout.provider if subscription_ref else "")
                return f"author subscription {subscription.pk}"
            if checkout.purpose == Purpose.TIP:
                # The exact amount came in for this tip: give it from the wallet as any tip, under the checkout's key.
                tip = tips.tip_from_wallet(tipper=checkout.reader, article=checkout.article,
                                           amount_minor=checkout.price_minor or checkout.amount_minor,
                                           currency=checkout.currency, idempotency_key=key,
                                           message=checkout.tip_message, anonymous=checkout.tip_anonymous)
                return f"tip {tip.pk}"
    except (PurchaseRefused, TipRefused) as refused:
        # The money stays in the wallet: the reader can use it, or staff can refund it.
        return f"kept in wallet: {refused.message}"[:200]
    return "wallet topped up"


def renew(*, event: PaymentEvent) -> str:
    """A card subscription's paid invoice: credit it, then renew the membership from the wallet."""
    membership = Membership.objects.filter(subscription_ref=event.subscription_ref).select_related(
        "plan", "reader").order_by("-period_end").first()
    if membership is None and event.subscription_ref and event.invoice_ref:
        return renew_author_subscription(event=event)
    if membership is None or not event.subscription_ref or not event.invoice_ref:
        return "unknown subscription"
    if event.currency != membership.currency or event.amount_minor != membership.price_minor:
        raise ProviderError("renewal amount differs from the membership's terms")
    credit_wallet(reader=membership.reader, amount_minor=event.amount_minor, currency=event.currency,
                  key=f"invoice:{event.invoice_ref}:credit", memo=f"renewal {event.invoice_ref}")
    memberships.renew_from_card(subscription_ref=event.subscription_ref, invoice_ref=event.invoice_ref)
    return "renewed"


def renew_author_subscription(*, event: PaymentEvent) -> str:
    """A card subscription to a writer was paid for another period: credit it, then charge it from the wallet."""
    from byline.subscriptions.models import AuthorSubscription

    subscription = AuthorSubscription.objects.filter(subscription_ref=event.subscription_ref).select_related(
        "reader").order_by("-period_end").first()
    if subscription is None:
        return "unknown subscription"
    if event.currency != subscription.currency or event.amount_minor != subscription.price_minor:
        raise ProviderError("renewal amount differs from the subscription's terms")
    credit_wallet(reader=subscription.reader, amount_minor=event.amount_minor, currency=event.currency,
                  key=f"invoice:{event.invoice_ref}:credit", memo=f"renewal {event.invoice_ref}")
    subscriptions.renew_from_card(subscription_ref=event.subscription_ref, invoice_ref=event.invoice_ref)
    return "renewed"


def settle_order_payment(*, event: PaymentEvent, provider_name: str) -> tuple[str, Checkout | None]:
    """A verified payment for one QR order, inside the event's transaction (payments.webhooks.act_once).

    A payment for an order Byline no longer expected (closed, paid after its code ran out, or for a checkout
    already settled) is not used for what the checkout was for: it is credited to the reader's wallet as a
    top-up, with a Reconciliation record naming the order."""
    found = ProviderOrder.objects.filter(out_trade_no=event.reference, provider=provider_name).first()
    if found is None:
        return "unknown order", None
    checkout = Checkout.objects.select_for_update().get(pk=found.checkout_id)
    order = ProviderOrder.objects.select_for_update().get(pk=found.pk)
    if order.state == "paid":
        return "already paid", checkout
    if event.amount_minor != checkout.amount_minor or event.currency != checkout.currency:
        log.error("%s order %s: provider says %s %s, expected %s %s", provider_name, order.out_trade_no,
                  event.amount_minor, event.currency, checkout.amount_minor, checkout.currency)
        raise ProviderError("amount or currency differs from the order")
    reason = ""
    if order.state == "closed":
        reason = "paid after the order was closed"
    elif checkout.status != CheckoutStatus.OPEN:
        reason = f"paid after the checkout was {checkout.status}"
    elif event.paid_at is not None and event.paid_at > order.expires_at:
        reason = "paid after the code expired"
    order.state = "paid"
    order.save(update_fields=["state"])
    if not reason:
        return complete(checkout=checkout, event=event), checkout
    credit = credit_wallet(reader=checkout.reader, amount_minor=event.amount_minor, currency=event.currency,
                           key=f"order:{order.out_trade_no}:credit",
                           memo=f"{provider_name} {order.out_trade_no} reconciled")
    Reconciliation.objects.create(order=order, amount_minor=event.amount_minor, currency=event.currency,
                                  reason=reason, credit=credit)
    log.warning("%s order %s of checkout %s %s: credited to the wallet as a top-up", provider_name,
                order.out_trade_no, checkout.reference, reason)
    return f"reconciled: {reason}", checkout

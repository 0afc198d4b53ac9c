"""QR-code payments (providers with `qr_checkout`: WeChat Pay, Alipay): place an order, show its code until
it runs out, issue a fresh code when the reader needs more time, ask the provider when a notification is
late. Each paid order is settled exactly once by `settlement.settle_order_payment`, through
`webhooks.act_once` (which this module sits above).

Every order has its own out_trade_no (the first one is the checkout's reference), sent to the provider
as the idempotency key. A payment for an order Byline no longer expected (closed, paid after its code
ran out, or for a checkout already settled) is not used for what the checkout was for: it is credited
to the reader's wallet as a top-up, with a Reconciliation record naming the order.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from byline.payments.errors import OrderRefused
from byline.payments.models import Checkout, CheckoutStatus, ProviderOrder
from byline.payments.providers import get_provider
from byline.payments.providers.base import CheckoutRequest, EventKind, PaymentEvent, Purpose
from byline.payments.webhooks import act_once

MAX_ORDERS = 10          # fresh codes per checkout
QUERY_LAST = 3           # orders asked about when the reader says they have paid


def describe(checkout: Checkout) -> str:
    if checkout.purpose == Purpose.UNLOCK and checkout.article_id:
        return _("Unlock: %(title)s") % {"title": checkout.article.title}
    if checkout.purpose == Purpose.MEMBERSHIP and checkout.plan_id:
        return _("Membership: %(plan)s") % {"plan": checkout.plan.display_name}
    if checkout.purpose == Purpose.TIP and checkout.article_id:
        return _("Tip to %(name)s: %(title)s") % {"name": checkout.article.author.name, "title": checkout.article.title}
    return _("Byline wallet top-up")


def place_order(*, checkout: Checkout, channel: str, client_ip: str = "", description: str = "",
                success_url: str = "", cancel_url: str = "") -> ProviderOrder:
    out_trade_no = checkout.reference if not checkout.orders.exists() else uuid.uuid4().hex
    expires_at = (timezone.now() + dt.timedelta(minutes=settings.PAYMENT_QR_MINUTES)).replace(microsecond=0)
    session = get_provider(checkout.provider).create_checkout(CheckoutRequest(
        reference=out_trade_no, amount_minor=checkout.amount_minor, currency=checkout.currency,
        purpose=Purpose(checkout.purpose), description=description or describe(checkout), success_url=success_url,
        cancel_url=cancel_url, customer_email=checkout.reader.email or "", channel=channel, client_ip=client_ip,
        expires_at=expires_at))
    order = ProviderOrder.objects.create(out_trade_no=out_trade_no, checkout=checkout, provider=checkout.provider,
                                         channel=channel, code_url=session.code_url,
                                         expires_at=session.expires_at or expires_at)
    checkout.provider_ref = out_trade_no
    checkout.redirect_url = session.redirect_url or reverse("payments:pay", kwargs={"reference": checkout.reference})
    checkout.save(update_fields=["provider_ref", "redirect_url"])
    return order


def current_order(*, checkout: Checkout) -> ProviderOrder | None:
    return checkout.orders.order_by("-created_at", "-pk").first()


def check_checkout(*, checkout: Checkout) -> str:
    """Ask the provider about the checkout's latest orders (a notification may be late or lost) and settle
    any that were paid, through the same once-only path as a notification. Returns the checkout status."""
    provider = get_provider(checkout.provider)
    for order in checkout.orders.exclude(state="paid").order_by("-created_at", "-pk")[:QUERY_LAST]:
        status = provider.fetch_payment(provider_ref=order.out_trade_no)
        if status.state == "succeeded":
            act_once(provider_name=checkout.provider, event=PaymentEvent(
                event_id=f"query:{order.out_trade_no}", kind=EventKind.PAYMENT_SUCCEEDED, raw_type="order.query",
                reference=order.out_trade_no, provider_ref=status.provider_ref, amount_minor=status.amount_minor,
                currency=status.currency, paid_at=status.paid_at))
        elif status.state == "failed" and order.state == "open":
            ProviderOrder.objects.filter(pk=order.pk, state="open").update(state="closed")
    checkout.refresh_from_db(fields=["status", "outcome"])
    return checkout.status


def extend_order(*, checkout: Checkout) -> ProviderOrder:
    """More time to pay: settle the current order if it was paid meanwhile, else close it and issue a fresh
    code. The provider cannot lengthen an order, so a new one (new out_trade_no) replaces it."""
    if check_checkout(checkout=checkout) != CheckoutStatus.OPEN:
        raise OrderRefused(_("This payment is already complete."))
    if checkout.orders.count() >= MAX_ORDERS:
        raise OrderRefused(_("This code cannot be renewed again. Please start the payment again."))
    provider = get_provider(checkout.provider)
    for order in checkout.orders.filter(state="open"):
        provider.close_order(provider_ref=order.out_trade_no)
        ProviderOrder.objects.filter(pk=order.pk, state="open").update(state="closed")
    return place_order(checkout=checkout, channel="qr")


def refund_order(*, checkout: Checkout, amount_minor: int | None = None, idempotency_key: str) -> str:
    """Return a QR payment to the payer (staff refunds): the provider's refund id. Moves no ledger money;
    the caller reverses what the payment bought first."""
    order = checkout.orders.filter(state="paid").first()
    if order is None:
        raise OrderRefused(_("Only a paid order can be refunded."))
    return get_provider(checkout.provider).refund(
        provider_ref=order.out_trade_no, amount_minor=amount_minor or checkout.amount_minor,
        currency=checkout.currency, idempotency_key=idempotency_key)

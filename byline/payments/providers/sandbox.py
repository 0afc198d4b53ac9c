"""The built-in sandbox provider: a local hosted-checkout page with test cards, and Stripe-style
signed webhooks delivered to Byline with retries and backoff until acknowledged.

Test cards (any expiry and CVC):
  4242 4242 4242 4242  succeeds
  4000 0000 0000 0002  is declined
  4000 0000 0000 9995  fails for insufficient funds
  4000 0025 0000 3155  asks the payer for an extra confirmation step, then succeeds or fails

A refused card leaves the checkout open, with the reason shown, so the payer can try another card (as on
Stripe's hosted page); only an expired checkout fails. A paid checkout with a recurring interval starts a
sandbox subscription. `renew_due_subscriptions`
(run by the membership renewal task and `manage.py renew_memberships`) charges it again when its
period ends and sends a signed `invoice.paid` event, once per period, as Stripe does; a cancelled
one ends with `customer.subscription.deleted` instead. Charges below Stripe's per-currency minimum
are refused, as Stripe refuses them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from collections.abc import Callable, Mapping

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from byline.payments.models import SandboxDelivery, SandboxPayment, SandboxSubscription
from byline.payments.providers import signing
from byline.payments.providers.base import (
    CheckoutRequest,
    CheckoutSession,
    InvalidWebhook,
    PaymentEvent,
    PaymentProvider,
    PaymentStatus,
    ProviderError,
)
from byline.payments.providers.minimums import card_minimum
from byline.payments.providers.normalise import normalise

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "Sandbox-Signature"
SUCCESS, DECLINED, INSUFFICIENT, NEEDS_CONFIRMATION = (
    "4242424242424242", "4000000000000002", "4000000000009995", "4000002500003155")
TEST_CARDS = {SUCCESS: "success", DECLINED: "card_declined", INSUFFICIENT: "insufficient_funds",
              NEEDS_CONFIRMATION: "requires_action"}
BACKOFF_BASE_S, BACKOFF_MAX_S = 10, 3600

# How a signed webhook reaches Byline: (body, headers) -> HTTP status. In-process (the embedded demo has
# one server process): `PaymentsConfig.ready` installs `webhooks.receive_from_sandbox`, as providers sit
# below the webhook layer; tests swap it to simulate an unreachable endpoint.
Transport = Callable[[bytes, Mapping[str, str]], int]


def _not_installed(body: bytes, headers: Mapping[str, str]) -> int:
    raise RuntimeError("no sandbox webhook transport: the payments app is not ready")


transport: Transport = _not_installed


class SandboxProvider(PaymentProvider):
    name = "sandbox"
    refunds_to_method = True
    subscriptions = True

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        if request.amount_minor < self.minimum_charge(request.currency):
            raise ProviderError(f"amount_too_small: {request.amount_minor} {request.currency}")
        payment = SandboxPayment.objects.create(
            ref="sbx_" + secrets.token_hex(12), reference=request.reference, amount_minor=request.amount_minor,
            currency=request.currency, description=request.description[:200], success_url=request.success_url,
            cancel_url=request.cancel_url, recurring_interval=request.recurring_interval)
        return CheckoutSession(provider_ref=payment.ref,
                               redirect_url=reverse("payments:sandbox_checkout", kwargs={"ref": payment.ref}))

    @property
    def webhooks_configured(self) -> bool:
        return bool(settings.SANDBOX_WEBHOOK_SECRET)

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        signing.verify(body, headers.get(SIGNATURE_HEADER, ""), settings.SANDBOX_WEBHOOK_SECRET)
        try:
            event = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise InvalidWebhook("body is not JSON") from None
        return normalise(event)

    def fetch_payment(self, *, provider_ref: str) -> PaymentStatus:
        payment = SandboxPayment.objects.filter(ref=provider_ref).first()
        if payment is None:
            raise ProviderError(f"no sandbox payment {provider_ref}")
        expire_if_stale(payment=payment)
        subscription = SandboxSubscription.objects.filter(payment=payment).values_list("ref", flat=True).first()
        return PaymentStatus(provider_ref=payment.ref, state=payment.state if payment.state in (
            "succeeded", "failed", "refunded") else "open", amount_minor=payment.amount_minor,
            currency=payment.currency, reference=payment.reference, subscription_ref=subscription or "")

    @classmethod
    def minimum_charge(cls, currency: str) -> int:
        return card_minimum(currency)

    def cancel_subscription(self, *, subscription_ref: str) -> None:
        SandboxSubscription.objects.filter(ref=subscription_ref, status="active").update(cancel_at_period_end=True)

    def refund(self, *, provider_ref: str, amount_minor: int, currency: str, idempotency_key: str) -> str:
        updated = SandboxPayment.objects.filter(ref=provider_ref, state="succeeded").update(state="refunded")
        if not updated and not SandboxPayment.objects.filter(ref=provider_ref, state="refunded").exists():
            raise ProviderError("only a succeeded sandbox payment can be refunded")
        return f"re_{provider_ref}"


# The sandbox "provider server": what happens when the payer submits the hosted page.

CHECKOUT_LIFETIME = dt.timedelta(hours=24)  # as a Stripe Checkout Session's default


def expire_if_stale(*, payment: SandboxPayment, now: dt.datetime | None = None) -> str:
    """An unpaid checkout older than CHECKOUT_LIFETIME expires, as Stripe's do: it can no longer be paid,
    and a signed `checkout.session.expired` tells Byline (which marks the checkout failed)."""
    now = now or timezone.now()
    if payment.state not in ("open", "requires_action") or payment.created_at > now - CHECKOUT_LIFETIME:
        return payment.state
    with transaction.atomic():
        locked = SandboxPayment.objects.select_for_update().get(pk=payment.pk)
        expired_now = locked.state in ("open", "requires_action")
        if expired_now:
            locked.state, locked.failure_reason = "failed", "expired"
            locked.save(update_fields=["state", "failure_reason"])
    payment.state, payment.failure_reason = locked.state, locked.failure_reason
    if expired_now:
        send_event(event_type="checkout.session.expired",
                   obj={**_checkout_session(locked, paid=False, reason="expired"), "status": "expired"})
    return payment.state


def pay(*, payment: SandboxPayment, card_number: str) -> str:
    """Charge a test card. Returns the new state: succeeded, requires_action, or open again after a card
    that was refused (its reason in `failure_reason`): as on Stripe's hosted page, the payer may try
    another card until the checkout expires, and no event is sent for a refused card."""
    outcome = TEST_CARDS.get("".join(ch for ch in card_number if ch.isdigit()), "card_declined")
    if expire_if_stale(payment=payment) != "open":
        return payment.state
    if outcome == "requires_action":
        SandboxPayment.objects.filter(pk=payment.pk, state="open").update(state="requires_action", failure_reason="")
        payment.refresh_from_db(fields=["state", "failure_reason"])
        return payment.state
    if outcome != "success":
        return _refuse_card(payment=payment, reason=outcome)
    return _succeed(payment=payment, was="open")


def confirm(*, payment: SandboxPayment, approve: bool) -> str:
    """The payer's answer to the extra confirmation step; refusing it leaves the checkout open for another card."""
    if expire_if_stale(payment=payment) != "requires_action":
        return payment.state
    if not approve:
        return _refuse_card(payment=payment, reason="authentication_failed")
    return _succeed(payment=payment, was="requires_action")


def _refuse_card(*, payment: SandboxPayment, reason: str) -> str:
    SandboxPayment.objects.filter(pk=payment.pk, state__in=("open", "requires_action")).update(
        state="open", failure_reason=reason)
    payment.refresh_from_db(fields=["state", "failure_reason"])
    return payment.state


def _succeed(*, payment: SandboxPayment, was: str) -> str:
    """Mark the payment paid, once: a second submit of the page (a double click) finds it paid already."""
    from byline.purchases.memberships import add_interval

    if not SandboxPayment.objects.filter(pk=payment.pk, state=was).update(state="succeeded", failure_reason=""):
        payment.refresh_from_db(fields=["state", "failure_reason"])
        return payment.state
    payment.state, payment.failure_reason = "succeeded", ""
    subscription = None
    if payment.recurring_interval:
        subscription = SandboxSubscription.objects.create(
            ref=f"sub_{payment.ref}", payment=payment, amount_minor=payment.amount_minor, currency=payment.currency,
            interval=payment.recurring_interval,
            current_period_end=add_interval(timezone.now(), payment.recurring_interval))
    send_event(event_type="checkout.session.completed", obj=_checkout_session(
        payment, paid=True, reason="", subscription_ref=subscription.ref if subscription else None))
    return payment.state


def _checkout_session(payment: SandboxPayment, *, paid: bool, reason: str,
                      subscription_ref: str | None = None) -> dict:
    """The `checkout.session` object a Stripe checkout event carries."""
    return {"id": payment.ref, "object": "checkout.session", "client_reference_id": payment.reference,
            "amount_total": payment.amount_minor, "currency": payment.currency.lower(),
            "payment_status": "paid" if paid else "unpaid", "failure_reason": reason,
            "subscription": subscription_ref}


def send_event(*, event_type: str, obj: dict) -> SandboxDelivery:
    """Queue one event and try to deliver it at once; failures are retried by `deliver_due`."""
    delivery = _queue_event(event_id="evt_sbx_" + secrets.token_hex(12), event_type=event_type, obj=obj)
    deliver(delivery_id=delivery.pk)
    return delivery


def _queue_event(*, event_id: str, event_type: str, obj: dict, now: dt.datetime | None = None) -> SandboxDelivery:
    payload = json.dumps({"id": event_id, "object": "event", "type": event_type,
                          "created": int((now or timezone.now()).timestamp()), "data": {"object": obj}})
    return SandboxDelivery.objects.create(event_id=event_id, payload=payload)


def renew_due_subscriptions(*, now: dt.datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """Charge every active sandbox subscription whose period has ended for one more period and send the
    signed `invoice.paid` (billing_reason subscription_cycle); end the cancelled ones with
    `customer.subscription.deleted`. One invoice per subscription and period: the period moves on under
    the row lock in the same transaction that queues the event, whose id is derived from the invoice."""
    from byline.purchases.memberships import add_interval

    now = now or timezone.now()
    counts: dict[str, int] = {}
    queued: list[int] = []
    due = SandboxSubscription.objects.filter(status="active", current_period_end__lte=now)
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            sub = SandboxSubscription.objects.select_for_update().get(pk=pk)
            if sub.status != "active" or sub.current_period_end > now:
                continue
            if sub.cancel_at_period_end:
                sub.status = "canceled"
                sub.save(update_fields=["status"])
                delivery = _queue_event(
                    event_id=f"evt_sbx_{sub.ref}_deleted", event_type="customer.subscription.deleted",
                    obj={"id": sub.ref, "object": "subscription", "status": "canceled"}, now=now)
                outcome = "ended"
            else:
                sub.periods_paid += 1
                period_start, sub.current_period_end = sub.current_period_end, add_interval(
                    sub.current_period_end, sub.interval)
                sub.save(update_fields=["periods_paid", "current_period_end"])
                invoice = f"in_{sub.ref}_{sub.periods_paid}"
                delivery = _queue_event(event_id=f"evt_sbx_{invoice}", event_type="invoice.paid", obj={
                    "id": invoice, "object": "invoice", "billing_reason": "subscription_cycle",
                    "subscription": sub.ref, "amount_paid": sub.amount_minor, "currency": sub.currency.lower(),
                    "period_start": int(period_start.timestamp()),
                    "period_end": int(sub.current_period_end.timestamp())}, now=now)
                outcome = "renewed"
        counts[outcome] = counts.get(outcome, 0) + 1
        queued.append(delivery.pk)
    for delivery_id in queued:  # outside the row lock; an unacknowledged one is retried by deliver_due
        deliver(delivery_id=delivery_id)
    return counts


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1)))


def deliver(*, delivery_id: int, now: dt.datetime | None = None) -> bool:
    """One delivery attempt, signed now. Returns whether Byline acknowledged it (2xx)."""
    now = now or timezone.now()
    delivery = SandboxDelivery.objects.get(pk=delivery_id)
    if delivery.delivered_at is not None:
        return True
    body = delivery.payload.encode()
    # Signed at the moment of sending (real time), like every retry of a real provider.
    headers = {SIGNATURE_HEADER: signing.sign(body, settings.SANDBOX_WEBHOOK_SECRET),
               "Content-Type": "application/json"}
    try:
        status = transport(body, headers)
    except Exception:  # an unreachable endpoint is a failed attempt, retried later
        log.exception("sandbox webhook %s: delivery failed", delivery.event_id)
        status = 599
    delivery.attempts += 1
    delivery.last_status = status
    if 200 <= status < 300:
        delivery.delivered_at = now
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    delivery.save(update_fields=["attempts", "last_status", "delivered_at", "next_attempt_at"])
    return delivery.delivered_at is not None


def deliver_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Retry every undelivered webhook whose backoff has passed (bounded attempts). Returns how many got through."""
    now = now or timezone.now()
    due = SandboxDelivery.objects.filter(delivered_at__isnull=True, next_attempt_at__lte=now,
                                         attempts__lt=settings.WEBHOOK_MAX_ATTEMPTS).values_list("pk", flat=True)
    return sum(deliver(delivery_id=pk, now=now) for pk in list(due[:limit]))

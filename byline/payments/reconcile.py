"""Checkouts whose webhook never came: ask the provider, and act on its answer through the path a verified
webhook takes (`webhooks.act_once`), so the once-only rules hold. Above `webhooks` and `orders`."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter

from django.utils import timezone

from byline.payments import orders
from byline.payments.errors import ProviderError
from byline.payments.models import Checkout, CheckoutStatus
from byline.payments.providers import get_provider, provider_class
from byline.payments.providers.base import EventKind, PaymentEvent
from byline.payments.webhooks import act_once

log = logging.getLogger(__name__)


RECONCILE_AFTER = dt.timedelta(minutes=10)
RECONCILE_GIVE_UP_AFTER = dt.timedelta(days=2)  # well past a Stripe Checkout Session's 24-hour life


def reconcile_stale_checkouts(*, older_than: dt.timedelta = RECONCILE_AFTER, limit: int = 200,
                              now: dt.datetime | None = None) -> dict[str, int]:
    """Ask the provider about open checkouts older than `older_than` (at most `limit`, oldest first, none
    older than two days) whose webhook has not come, and act on what it says through the same once-only
    path a verified webhook takes (`webhooks.act_once`): paid ones are credited and fulfilled, failed or
    expired ones marked failed, open ones left alone. Safe to run concurrently and before or after the
    real webhook: the event id, the checkout's row lock and the credit's ledger key each allow one credit.
    Returns counts by outcome."""
    now = now or timezone.now()
    stale = (Checkout.objects.filter(status=CheckoutStatus.OPEN, created_at__lte=now - older_than,
                                     created_at__gte=now - RECONCILE_GIVE_UP_AFTER)
             .exclude(provider_ref="").order_by("created_at"))
    counts: Counter[str] = Counter()
    for checkout in stale[:limit]:
        try:
            counts[reconcile_checkout(checkout=checkout)] += 1
        except Exception:  # one checkout's surprise must not stop the others; it is asked again next run
            log.exception("reconcile %s failed", checkout.reference)
            counts["error"] += 1
    return dict(counts)


def reconcile_checkout(*, checkout: Checkout) -> str:
    """Bring one open checkout in line with its provider. Returns "paid", "failed", "open" or "error"."""
    if provider_class(checkout.provider).qr_checkout:
        try:
            return orders.check_checkout(checkout=checkout)
        except ProviderError as error:
            log.warning("reconcile %s: %s did not answer: %s", checkout.reference, checkout.provider, error)
            return "error"
    try:
        status = get_provider(checkout.provider).fetch_payment(provider_ref=checkout.provider_ref)
    except (ProviderError, KeyError) as error:
        log.warning("reconcile %s: %s did not answer: %s", checkout.reference, checkout.provider, error)
        return "error"
    if status.reference and status.reference != checkout.reference:
        log.error("reconcile %s: %s %s belongs to checkout %s", checkout.reference, checkout.provider,
                  checkout.provider_ref, status.reference)
        return "error"
    if status.state not in ("succeeded", "failed"):
        return "open"
    paid = status.state == "succeeded"
    receipt = act_once(provider_name=checkout.provider, event=PaymentEvent(
        event_id=f"reconcile:{checkout.reference}:{status.state}",
        kind=EventKind.PAYMENT_SUCCEEDED if paid else EventKind.PAYMENT_FAILED, raw_type="reconcile.fetch_payment",
        reference=checkout.reference, provider_ref=status.provider_ref, amount_minor=status.amount_minor,
        currency=status.currency, subscription_ref=status.subscription_ref, paid_at=status.paid_at,
        failure_reason="" if paid else "expired or failed (reconciled)"))
    if receipt.status >= 400:
        return "error"
    checkout.refresh_from_db(fields=["status"])
    return checkout.status

"""Stripe-shaped event JSON -> PaymentEvent. The sandbox sends the same shapes, so both share it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from byline.payments.providers.base import EventKind, InvalidWebhook, PaymentEvent


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _amount(value: Any) -> int:
    return value if type(value) is int and value >= 0 else 0


def normalise(event: Mapping[str, Any]) -> PaymentEvent:
    try:
        event_id, raw_type = event["id"], event["type"]
        obj = event["data"]["object"]
    except (KeyError, TypeError):
        raise InvalidWebhook("event lacks id, type or data.object") from None
    if not isinstance(event_id, str) or not isinstance(raw_type, str) or not isinstance(obj, Mapping) \
            or not event_id or len(event_id) > 200:
        raise InvalidWebhook("event fields have the wrong types")
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
    common = {"event_id": event_id, "raw_type": raw_type}
    if raw_type.startswith("checkout.session."):
        reference = _text(obj.get("client_reference_id")) or _text(metadata.get("reference"))
        fields = dict(common, reference=reference, provider_ref=_text(obj.get("id")),
                      amount_minor=_amount(obj.get("amount_total")), currency=_text(obj.get("currency")).upper(),
                      subscription_ref=_text(obj.get("subscription")))
        if raw_type in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
            if obj.get("payment_status") in ("paid", "no_payment_required"):
                return PaymentEvent(kind=EventKind.PAYMENT_SUCCEEDED, **fields)
            return PaymentEvent(kind=EventKind.IGNORED, **fields)  # paid later, by an async method
        if raw_type in ("checkout.session.async_payment_failed", "checkout.session.expired"):
            return PaymentEvent(kind=EventKind.PAYMENT_FAILED,
                                failure_reason=_text(obj.get("failure_reason")) or raw_type, **fields)
    if raw_type == "invoice.paid" and obj.get("billing_reason") == "subscription_cycle":
        subscription = obj.get("subscription")
        if isinstance(subscription, Mapping):
            subscription = subscription.get("id")
        if not _text(subscription):
            parent = obj.get("parent") if isinstance(obj.get("parent"), Mapping) else {}
            details = parent.get("subscription_details") if isinstance(parent.get("subscription_details"), Mapping) \
                else {}
            subscription = details.get("subscription")
        return PaymentEvent(kind=EventKind.SUBSCRIPTION_RENEWED, subscription_ref=_text(subscription),
                            invoice_ref=_text(obj.get("id")), amount_minor=_amount(obj.get("amount_paid")),
                            currency=_text(obj.get("currency")).upper(), **common)
    if raw_type == "customer.subscription.deleted":
        return PaymentEvent(kind=EventKind.SUBSCRIPTION_ENDED, subscription_ref=_text(obj.get("id")), **common)
    return PaymentEvent(kind=EventKind.IGNORED, **common)

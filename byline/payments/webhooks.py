"""Receiving provider webhooks: verify over the raw body, record the event id, act once.

The event row and everything it causes are written in one transaction, so a delivery that
fails halfway leaves nothing and the provider's retry starts clean. Concurrent deliveries of
one event collide on the (provider, event_id) unique index: one acts, the others see a duplicate.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from byline.payments.errors import InvalidWebhook, ProviderError
from byline.payments.models import WebhookEvent
from byline.payments.providers import PROVIDERS, get_provider, provider_class
from byline.payments.providers.base import PaymentEvent
from byline.payments.settlement import apply_event

log = logging.getLogger(__name__)
MAX_BODY = 256 * 1024


@dataclass(frozen=True)
class Receipt:
    status: int
    detail: str


def receive(*, provider_name: str, body: bytes, headers: Mapping[str, str]) -> Receipt:
    """Handle one delivery. 200: acted on or already seen or ignored; 400: rejected; 404: no such provider,
    or not configured on this site; 500: retry later."""
    if provider_name not in PROVIDERS:
        return Receipt(404, "unknown provider")
    try:
        provider = get_provider(provider_name)
    except ProviderError:  # WeChat Pay and Alipay refuse to be built without their settings
        provider = None
    if provider is None or not provider.webhooks_configured:
        log.warning("webhook %s rejected: the provider is not configured here", provider_name)
        return Receipt(404, "provider not configured")
    if len(body) > MAX_BODY:
        log.warning("webhook %s rejected: body of %d bytes", provider_name, len(body))
        return Receipt(400, "body too large")
    try:
        event = provider.parse_webhook(body=body, headers=headers)
    except InvalidWebhook as error:
        log.warning("webhook %s rejected: %s", provider_name, error)
        return Receipt(400, f"rejected: {error}")
    return act_once(provider_name=provider_name, event=event)


def act_once(*, provider_name: str, event: PaymentEvent) -> Receipt:
    """Record a verified event by its id and act on it, once: also how an order query's answer is applied."""
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = WebhookEvent.objects.create(provider=provider_name, event_id=event.event_id,
                                                         event_type=event.raw_type[:100])
            except IntegrityError:
                return Receipt(200, "duplicate")
            outcome, checkout = apply_event(event=event, provider_name=provider_name,
                                            qr_checkout=provider_class(provider_name).qr_checkout)
            record.outcome, record.checkout = outcome[:200], checkout
            record.save(update_fields=["outcome", "checkout"])
    except Exception:
        log.exception("webhook %s %s failed; the provider will retry", provider_name, event.event_id)
        return Receipt(500, "failed, retry")
    log.info("webhook %s %s %s: %s", provider_name, event.event_id, event.raw_type, outcome)
    return Receipt(200, outcome)


def receive_from_sandbox(body: bytes, headers: Mapping[str, str]) -> int:
    """The sandbox provider's delivery of one signed webhook, in process (`providers.sandbox.transport`)."""
    return receive(provider_name="sandbox", body=body, headers=headers).status

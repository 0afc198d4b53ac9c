"""Stripe: Checkout Sessions through the official SDK, webhooks verified over the raw body.

The SDK's HTTP client can be replaced (`http_client=`), which is how the tests run offline.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import stripe
from django.conf import settings

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

SIGNATURE_HEADER = "Stripe-Signature"
TOLERANCE_S = 300


class StripeProvider(PaymentProvider):
    name = "stripe"
    refunds_to_method = True
    subscriptions = True

    def __init__(self, *, api_key: str | None = None, webhook_secret: str | None = None,
                 http_client: stripe.HTTPClient | None = None):
        self.webhook_secret = webhook_secret if webhook_secret is not None else settings.STRIPE_WEBHOOK_SECRET
        self.client = stripe.StripeClient(api_key or settings.STRIPE_SECRET_KEY or "sk_unset",
                                          http_client=http_client, max_network_retries=2)

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        price_data: dict[str, Any] = {"currency": request.currency.lower(), "unit_amount": request.amount_minor,
                                      "product_data": {"name": request.description[:250]}}
        params: dict[str, Any] = {
            "mode": "subscription" if request.recurring_interval else "payment",
            "line_items": [{"price_data": price_data, "quantity": 1}],
            "client_reference_id": request.reference,
            "metadata": {"reference": request.reference, "purpose": str(request.purpose), **request.metadata},
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
        }
        if request.recurring_interval:
            price_data["recurring"] = {"interval": request.recurring_interval}
            params["subscription_data"] = {"metadata": {"reference": request.reference}}
        if request.customer_email:
            params["customer_email"] = request.customer_email
        try:
            session = self.client.v1.checkout.sessions.create(
                params, options={"idempotency_key": f"checkout-{request.reference}"})
        except stripe.StripeError as error:
            raise ProviderError(str(error)) from error
        return CheckoutSession(provider_ref=session.id, redirect_url=session.url)

    @property
    def webhooks_configured(self) -> bool:
        return bool(self.webhook_secret)

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        if not self.webhook_secret:
            raise InvalidWebhook("STRIPE_WEBHOOK_SECRET is not set")
        try:
            event = stripe.Webhook.construct_event(body, headers.get(SIGNATURE_HEADER, ""), self.webhook_secret,
                                                   tolerance=TOLERANCE_S)
        except stripe.SignatureVerificationError as error:
            raise InvalidWebhook(f"signature: {error.user_message or error}") from None
        except (ValueError, UnicodeDecodeError, KeyError, TypeError) as error:
            raise InvalidWebhook(f"malformed event: {error}") from None
        return normalise(event.to_dict())

    def fetch_payment(self, *, provider_ref: str) -> PaymentStatus:
        try:
            session = self.client.v1.checkout.sessions.retrieve(provider_ref)
        except stripe.StripeError as error:
            raise ProviderError(str(error)) from error
        state = {"paid": "succeeded", "no_payment_required": "succeeded"}.get(session.payment_status, "open")
        if session.status == "expired":
            state = "failed"
        subscription = session.to_dict().get("subscription")
        if isinstance(subscription, Mapping):
            subscription = subscription.get("id")
        return PaymentStatus(provider_ref=session.id, state=state, amount_minor=session.amount_total or 0,
                             currency=(session.currency or "").upper(), reference=session.client_reference_id or "",
                             subscription_ref=subscription if isinstance(subscription, str) else "")

    @classmethod
    def minimum_charge(cls, currency: str) -> int:
        return card_minimum(currency)

    def refund(self, *, provider_ref: str, amount_minor: int, currency: str, idempotency_key: str) -> str:
        try:
            session = self.client.v1.checkout.sessions.retrieve(provider_ref)
            refund = self.client.v1.refunds.create(
                {"payment_intent": session.payment_intent, "amount": amount_minor},
                options={"idempotency_key": idempotency_key})
        except stripe.StripeError as error:
            raise ProviderError(str(error)) from error
        return refund.id

    def cancel_subscription(self, *, subscription_ref: str) -> None:
        try:
            self.client.v1.subscriptions.update(subscription_ref, {"cancel_at_period_end": True})
        except stripe.StripeError as error:
            raise ProviderError(str(error)) from error

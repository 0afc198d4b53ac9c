"""Stripe Connect through the official `stripe` package: an Express account per writer, set up on Stripe's
hosted onboarding (Stripe collects identity, tax and bank details, not Byline), and a transfer from the
platform's balance to that account per payout. Stripe then pays the account out to the writer's bank on
the account's own schedule.

The transfer's idempotency key and `transfer_group` are Byline's payout reference: sending again can never
pay twice, and `fetch` finds the transfer by it even when the answer to `send` was lost. Notifications
(`transfer.reversed`, `account.updated`) are verified with STRIPE_PAYOUT_WEBHOOK_SECRET.
"""

from __future__ import annotations

from collections.abc import Mapping

import stripe
from django.conf import settings

from byline.payouts.providers.base import (
    InvalidNotice,
    Onboarding,
    PayoutAnswer,
    PayoutNotice,
    PayoutOrder,
    PayoutProvider,
    PayoutProviderError,
    PayoutState,
    with_state,
)

SIGNATURE_HEADER = "Stripe-Signature"
TOLERANCE_S = 300


class StripeConnectPayouts(PayoutProvider):
    name = "stripe"
    onboarding = True
    notices = True

    def __init__(self, *, api_key: str | None = None, webhook_secret: str | None = None,
                 http_client: stripe.HTTPClient | None = None):
        api_key = api_key or settings.STRIPE_SECRET_KEY
        if not api_key:
            raise PayoutProviderError("Stripe is not configured (STRIPE_SECRET_KEY)")
        self.webhook_secret = webhook_secret if webhook_secret is not None else settings.STRIPE_PAYOUT_WEBHOOK_SECRET
        self.client = stripe.StripeClient(api_key, http_client=http_client, max_network_retries=2)

    def start_onboarding(self, *, method, return_url: str, state: str) -> Onboarding:
        try:
            account = method.account_ref
            if not account:
                account = self.client.v1.accounts.create(
                    {"type": "express", "email": method.writer.email or None,
                     "capabilities": {"transfers": {"requested": True}},
                     "metadata": {"byline_writer": str(method.writer_id)}},
                    options={"idempotency_key": f"account-{method.pk}"}).id
            back = with_state(return_url, state)
            link = self.client.v1.account_links.create({"account": account, "type": "account_onboarding",
                                                        "refresh_url": back, "return_url": back})
        except stripe.StripeError as error:
            raise PayoutProviderError(f"Stripe: {error.user_message or type(error).__name__}") from None
        return Onboarding(url=link.url, account_ref=account)

    def account_ready(self, *, method) -> bool:
        if not method.account_ref:
            return False
        try:
            account = self.client.v1.accounts.retrieve(method.account_ref)
        except stripe.StripeError as error:
            raise PayoutProviderError(f"Stripe: {type(error).__name__}") from None
        capabilities = account.to_dict().get("capabilities") or {}
        return bool(account.payouts_enabled) and capabilities.get("transfers") == "active"

    def send(self, order: PayoutOrder) -> PayoutAnswer:
        try:
            transfer = self.client.v1.transfers.create(
                {"amount": order.amount_minor, "currency": order.currency.lower(), "destination": order.account_ref,
                 "transfer_group": order.reference, "description": order.description[:200],
                 "metadata": {"reference": order.reference}},
                options={"idempotency_key": f"payout-{order.reference}"})
        except stripe.InvalidRequestError as error:
            # Refused outright (a destination that cannot take transfers, too little in the platform balance):
            # Stripe created nothing, so the money may go back to the writer's balance.
            return PayoutAnswer(PayoutState.FAILED, failure_reason=(error.code or "invalid_request")[:200])
        except stripe.StripeError as error:  # no answer, or not one to act on: ask again later, by reference
            raise PayoutProviderError(f"Stripe: {type(error).__name__}") from None
        return _answer(transfer.to_dict())

    def fetch(self, order: PayoutOrder) -> PayoutAnswer:
        try:
            found = self.client.v1.transfers.list({"transfer_group": order.reference, "limit": 3})
        except stripe.StripeError as error:
            raise PayoutProviderError(f"Stripe: {type(error).__name__}") from None
        transfers = [item.to_dict() for item in found.data]
        if not transfers:
            return PayoutAnswer(PayoutState.UNKNOWN)
        if len(transfers) > 1:  # one idempotency key per reference makes this impossible; never guess
            raise PayoutProviderError(f"Stripe holds {len(transfers)} transfers for {order.reference}")
        return _answer(transfers[0])

    def parse_notice(self, *, body: bytes, headers: Mapping[str, str]) -> PayoutNotice:
        if not self.webhook_secret:
            raise InvalidNotice("STRIPE_PAYOUT_WEBHOOK_SECRET is not set")
        try:
            event = stripe.Webhook.construct_event(body, headers.get(SIGNATURE_HEADER, ""), self.webhook_secret,
                                                   tolerance=TOLERANCE_S).to_dict()
            event_id, raw_type, obj = event["id"], event["type"], event["data"]["object"]
        except stripe.SignatureVerificationError as error:
            raise InvalidNotice(f"signature: {error.user_message or error}") from None
        except (ValueError, UnicodeDecodeError, KeyError, TypeError) as error:
            raise InvalidNotice(f"malformed event: {type(error).__name__}") from None
        if not isinstance(obj, Mapping) or not isinstance(event_id, str) or not event_id:
            raise InvalidNotice("malformed event")
        if raw_type == "account.updated":
            return PayoutNotice(event_id=event_id, reference="", raw_type=raw_type,
                                answer=PayoutAnswer(PayoutState.UNKNOWN, provider_ref=str(obj.get("id", ""))))
        if raw_type.startswith("transfer."):
            reference = obj.get("transfer_group") or (obj.get("metadata") or {}).get("reference") or ""
            return PayoutNotice(event_id=event_id, reference=str(reference), raw_type=raw_type, answer=_answer(obj))
        return PayoutNotice(event_id=event_id, reference="", raw_type=raw_type,
                            answer=PayoutAnswer(PayoutState.UNKNOWN))


def _answer(transfer: Mapping) -> PayoutAnswer:
    """A transfer to a connected account is final at once; reversed in full, it came back."""
    amount, reversed_ = transfer.get("amount") or 0, transfer.get("amount_reversed") or 0
    if transfer.get("reversed") or (amount and reversed_ >= amount):
        return PayoutAnswer(PayoutState.RETURNED, provider_ref=str(transfer.get("id", "")),
                            failure_reason="reversed")
    return PayoutAnswer(PayoutState.PAID, provider_ref=str(transfer.get("id", "")))

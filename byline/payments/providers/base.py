"""The payment provider interface. Each provider (sandbox, stripe, wechatpay, alipay) implements it.

A provider knows nothing of wallets or articles. Byline asks it to:
1. `create_checkout(CheckoutRequest)`: start a hosted payment for an amount in a currency; the
   reader is sent to the returned `redirect_url`. `request.reference` is Byline's own id for the
   checkout and must come back in the provider's events.
2. `parse_webhook(body=, headers=)`: verify a webhook over its raw body (signature, freshness) and
   turn it into a normalised `PaymentEvent`; raise `InvalidWebhook` for anything unverifiable or
   malformed. Event types the provider may send but Byline does not use come back as `IGNORED`.
3. `fetch_payment(provider_ref=)`: ask the provider for the current state of a payment
   (to reconcile a checkout whose webhook is late).
4. `refund(provider_ref=, amount_minor=, currency=, idempotency_key=)`: return money to the card.
5. `cancel_subscription(subscription_ref=)`: stop renewing a card subscription at period end.
6. `close_order(provider_ref=)`: stop an unpaid QR order (WeChat Pay, Alipay) before a fresh one.
7. `minimum_charge(currency)`: the smallest amount it will charge (card networks refuse tiny charges).
8. `webhook_answer(status=, detail=)`: the answer to a delivery, in the form the provider expects.

What a provider can do is declared on its class (`qr_checkout`, `refunds_to_method`, `subscriptions`);
Byline asks those, never a provider's name.

QR providers (`qr_checkout`: wechatpay, alipay) take `channel="qr"` and answer with a `code_url` that Byline shows
as a QR code on its own page; with `channel="mobile"` they answer with the provider's mobile page.
Their `provider_ref` is the order id sent to the provider (out_trade_no), and their events carry
it as `reference`; Byline maps it back to the checkout.

Amounts are integer minor units; currencies are upper-case ISO codes. Webhooks may arrive twice,
late, out of order or at the same time: the caller (payments.webhooks) deduplicates by `event_id`.
"""

from __future__ import annotations

import abc
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from byline.payments.errors import InvalidWebhook, ProviderError  # noqa: F401 (raised by every provider)


class Purpose(StrEnum):
    TOPUP = "topup"
    UNLOCK = "unlock"
    MEMBERSHIP = "membership"
    GIFT = "gift"  # a paid gift (byline/gifts): the checkout names it
    COLLECTION = "collection"
    AUTHOR_SUBSCRIPTION = "author_sub"  # a card subscription to one writer (byline/subscriptions)
    TIP = "tip"  # a tip (赞赏) for the exact amount: the credit is spent as a TIP transfer (byline/tips)


class EventKind(StrEnum):
    PAYMENT_SUCCEEDED = "payment_succeeded"
    PAYMENT_FAILED = "payment_failed"
    SUBSCRIPTION_RENEWED = "subscription_renewed"
    SUBSCRIPTION_ENDED = "subscription_ended"
    IGNORED = "ignored"


@dataclass(frozen=True)
class CheckoutRequest:
    reference: str
    amount_minor: int
    currency: str
    purpose: Purpose
    description: str
    success_url: str
    cancel_url: str
    customer_email: str = ""
    recurring_interval: str = ""  # "month" or "year" to start a card subscription
    metadata: Mapping[str, str] = field(default_factory=dict)
    channel: str = ""             # "qr" (scan on desktop) or "mobile" (pay in the phone's browser); QR providers only
    client_ip: str = ""           # the payer's address, which WeChat Pay's H5 pay requires
    expires_at: dt.datetime | None = None  # when the provider should stop accepting payment (QR providers)


@dataclass(frozen=True)
class CheckoutSession:
    provider_ref: str
    redirect_url: str
    code_url: str = ""            # what the QR code encodes, for a "qr" checkout; Byline shows it on its own page
    expires_at: dt.datetime | None = None


@dataclass(frozen=True)
class PaymentEvent:
    event_id: str
    kind: EventKind
    raw_type: str
    reference: str = ""          # Byline's checkout reference, when the event concerns a checkout
    provider_ref: str = ""       # the provider's id of the payment or session
    amount_minor: int = 0
    currency: str = ""
    subscription_ref: str = ""
    invoice_ref: str = ""
    failure_reason: str = ""
    paid_at: dt.datetime | None = None  # when the payer paid, as the provider says (late-payment checks)


@dataclass(frozen=True)
class PaymentStatus:
    provider_ref: str
    state: str                   # "open", "succeeded", "failed" or "refunded"
    amount_minor: int
    currency: str
    reference: str = ""
    paid_at: dt.datetime | None = None
    subscription_ref: str = ""   # the card subscription a paid subscription checkout started


@dataclass(frozen=True)
class WebhookAnswer:
    """What Byline answers a provider's delivery, in the form that provider expects."""

    status: int
    body: str
    content_type: str


class PaymentProvider(abc.ABC):
    name: str = ""
    # What the provider can do, declared by each class: code asks these, never the provider's name.
    qr_checkout: bool = False
    """Payment goes through orders Byline places (`payments.orders`: a QR code on Byline's own page, or the
    provider's mobile page), not a hosted checkout session; each order's out_trade_no comes back as the event's
    `reference`."""
    refunds_to_method: bool = False
    """It can return a paid amount to the card or account it came from (`refund`)."""
    subscriptions: bool = False
    """It can renew a membership by itself (a card subscription, `recurring_interval`) and cancel that."""
    scan_help: str = ""
    """For `qr_checkout` providers: how the payer scans the code, under it on Byline's pay page."""

    @abc.abstractmethod
    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession: ...

    @abc.abstractmethod
    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> PaymentEvent: ...

    @abc.abstractmethod
    def fetch_payment(self, *, provider_ref: str) -> PaymentStatus: ...

    @abc.abstractmethod
    def refund(self, *, provider_ref: str, amount_minor: int, currency: str, idempotency_key: str) -> str: ...

    @property
    def webhooks_configured(self) -> bool:
        """Whether this site holds what it needs to verify this provider's webhooks (else they answer 404)."""
        return True

    @classmethod
    def minimum_charge(cls, currency: str) -> int:
        """The smallest amount (minor units) this provider will charge in `currency` (no network, no setup)."""
        return 1

    def cancel_subscription(self, *, subscription_ref: str) -> None:  # noqa: B027 - optional capability
        """Stop renewing at period end. Providers without subscriptions need do nothing."""

    def close_order(self, *, provider_ref: str) -> None:  # noqa: B027 - optional capability
        """Stop accepting payment for an unpaid order (QR providers, before issuing a fresh code)."""

    @classmethod
    def webhook_answer(cls, *, status: int, detail: str) -> WebhookAnswer:
        """How a delivery is answered: `status` is Byline's (below 400: acted on, seen before or ignored).
        By default JSON, and problem JSON for a refusal; providers with their own rules override it."""
        if status >= 400:
            return WebhookAnswer(status, json.dumps({"type": "about:blank", "title": "Webhook rejected",
                                                     "status": status, "detail": detail}),
                                 "application/problem+json")
        return WebhookAnswer(200, json.dumps({"received": True, "detail": detail}), "application/json")

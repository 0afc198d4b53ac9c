"""Stripe's webhook signature scheme (HMAC-SHA256 over "t.payload"), used by the sandbox to sign
and to verify, byte for byte what `stripe.Webhook.construct_event` accepts."""

from __future__ import annotations

import hashlib
import hmac
import time

from byline.payments.providers.base import InvalidWebhook

TOLERANCE_S = 300


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(payload: bytes, header: str, secret: str, *, tolerance: int = TOLERANCE_S, now: int | None = None) -> None:
    """Raise InvalidWebhook unless `header` signs `payload` with `secret` within `tolerance` seconds."""
    if not secret:
        raise InvalidWebhook("no webhook secret configured")
    try:
        parts = [item.split("=", 1) for item in header.split(",")]
        timestamp = int(next(value for name, value in parts if name == "t"))
        signatures = [value for name, value in parts if name == "v1"]
    except (ValueError, StopIteration):
        raise InvalidWebhook("malformed signature header") from None
    expected = sign(payload, secret, timestamp).split("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise InvalidWebhook("signature does not match")
    now = int(time.time()) if now is None else now
    if abs(now - timestamp) > tolerance:
        raise InvalidWebhook("signature timestamp outside the tolerance")

"""Alipay through the maintained `python-alipay-sdk`: precreate (a QR code) on desktop, WAP pay in
mobile browsers, asynchronous notifications verified with Alipay's public key (RSA2), trade query,
close and refund. Alipay speaks yuan strings ("12.34"); Byline converts to and from fen exactly.

The SDK signs every request and verifies every answer; ALIPAY_GATEWAY_URL replaces its gateway
(tests point it at a local fake that checks the request signatures as Alipay does).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl

from alipay import AliPay
from alipay.utils import AliPayConfig
from django.conf import settings
from django.utils.translation import gettext_lazy

from byline.core.money import exact_minor
from byline.payments.providers import config
from byline.payments.providers.base import (
    CheckoutRequest,
    CheckoutSession,
    EventKind,
    InvalidWebhook,
    PaymentEvent,
    PaymentProvider,
    PaymentStatus,
    ProviderError,
    WebhookAnswer,
)

log = logging.getLogger(__name__)
CHINA = dt.timezone(dt.timedelta(hours=8))
STATES = {"TRADE_SUCCESS": "succeeded", "TRADE_FINISHED": "succeeded", "TRADE_CLOSED": "failed",
          "WAIT_BUYER_PAY": "open"}
OK = "10000"


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def fen(value: Any) -> int | None:
    """'12.34' -> 1234; None for anything that is not a plain non-negative amount with at most 2 decimals."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount < 0:
        return None
    # Exact, whatever the exponent ("1e999999" overflowed Decimal's context); nothing real comes near the cap.
    minor = exact_minor(amount, 2, at_most=10**15)
    return None if minor is None or minor > 10**15 else minor


def china_time(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA) if value else None
    except (TypeError, ValueError):
        return None


class AlipayProvider(PaymentProvider):
    name = "alipay"
    qr_checkout = True
    refunds_to_method = True
    scan_help = gettext_lazy("Open Alipay, tap “Scan”, and point it at this code.")

    @classmethod
    def webhook_answer(cls, *, status: int, detail: str) -> WebhookAnswer:
        """Alipay: the plain word "success"; anything else means "send again"."""
        if status < 400:
            return WebhookAnswer(200, "success", "text/plain")
        return WebhookAnswer(status, "failure", "text/plain")

    def __init__(self, *, values: Mapping[str, str] | None = None, private_key: str | None = None,
                 alipay_public_key: str | None = None, timeout: float = 10):
        self.config = dict(values if values is not None else config.values("alipay"))
        if not self.config.get("APPID") or not self.config.get("NOTIFY_URL"):
            raise ProviderError("Alipay is not configured")
        try:
            self.client = AliPay(
                appid=self.config["APPID"], app_notify_url=self.config["NOTIFY_URL"],
                app_private_key_string=private_key or config.read_key(self.config["PRIVATE_KEY_FILE"]),
                alipay_public_key_string=alipay_public_key or config.read_key(self.config["PUBLIC_KEY_FILE"]),
                sign_type="RSA2", config=AliPayConfig(timeout=timeout))
        except (OSError, KeyError):
            raise ProviderError("Alipay keys cannot be read") from None
        except Exception as error:  # the SDK's key loader raises ValueError and friends
            raise ProviderError(f"Alipay keys are not valid: {type(error).__name__}") from None
        if self.config.get("GATEWAY_URL"):
            self.client._gateway = self.config["GATEWAY_URL"]

    @property
    def gateway(self) -> str:
        return self.client._gateway

    def _call(self, method, **kwargs) -> dict:
        try:
            return method(**kwargs)
        except Exception as error:  # network errors, timeouts, refused requests, failed answer signatures
            raise ProviderError(f"Alipay request failed: {type(error).__name__}") from None

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        if request.currency != "CNY":
            raise ProviderError("Alipay takes CNY only")
        expires = request.expires_at or (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=settings.PAYMENT_QR_MINUTES))
        common = {"subject": request.description[:256], "out_trade_no": request.reference,
                  "total_amount": yuan(request.amount_minor),
                  "time_expire": expires.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")}
        if request.channel == "mobile":
            query = self.client.api_alipay_trade_wap_pay(return_url=request.success_url, quit_url=request.cancel_url,
                                                         **common)
            return CheckoutSession(provider_ref=request.reference, redirect_url=f"{self.gateway}?{query}",
                                   expires_at=expires)
        answer = self._call(self.client.api_alipay_trade_precreate, **common)
        if answer.get("code") != OK or not answer.get("qr_code"):
            raise ProviderError(f"Alipay refused the order: {answer.get('sub_code', answer.get('code'))}")
        return CheckoutSession(provider_ref=request.reference, redirect_url="", code_url=answer["qr_code"],
                               expires_at=expires)

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        try:
            data = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            raise InvalidWebhook("body is not a form") from None
        signature = data.pop("sign", "")
        if not signature or data.get("sign_type", "RSA2") != "RSA2":
            raise InvalidWebhook("missing signature or not RSA2")
        try:
            verified = self.client.verify(dict(data), signature)
        except Exception:  # malformed base64 and the like
            verified = False
        if not verified:
            raise InvalidWebhook("signature does not verify")
        event_id, raw_type = data.get("notify_id", ""), data.get("trade_status", "")
        if not event_id or len(event_id) > 200:
            raise InvalidWebhook("notification lacks notify_id")
        if data.get("app_id") != self.config["APPID"]:
            log.error("alipay notification %s for another app", event_id)
            raise InvalidWebhook("app_id differs from this site's")
        amount = fen(data.get("total_amount"))
        if amount is None:
            raise InvalidWebhook("malformed total_amount")
        fields = {"event_id": event_id, "raw_type": raw_type or data.get("notify_type", ""),
                  "reference": data.get("out_trade_no", ""), "provider_ref": data.get("trade_no", ""),
                  "amount_minor": amount, "currency": "CNY", "paid_at": china_time(data.get("gmt_payment"))}
        if raw_type in ("TRADE_SUCCESS", "TRADE_FINISHED"):
            return PaymentEvent(kind=EventKind.PAYMENT_SUCCEEDED, **fields)
        return PaymentEvent(kind=EventKind.IGNORED, **fields)

    def fetch_payment(self, *, provider_ref: str) -> PaymentStatus:
        try:
            answer = self.client.api_alipay_trade_query(out_trade_no=provider_ref)
        except Exception as error:
            if "ACQ.TRADE_NOT_EXIST" in str(error):  # precreated but never scanned
                return PaymentStatus(provider_ref=provider_ref, state="open", amount_minor=0, currency="CNY",
                                     reference=provider_ref)
            raise ProviderError(f"Alipay trade query failed: {type(error).__name__}") from None
        if answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return PaymentStatus(provider_ref=provider_ref, state="open", amount_minor=0, currency="CNY",
                                 reference=provider_ref)
        if answer.get("code") != OK:
            raise ProviderError(f"Alipay trade query failed: {answer.get('sub_code', answer.get('code'))}")
        return PaymentStatus(provider_ref=provider_ref, state=STATES.get(answer.get("trade_status"), "open"),
                             amount_minor=fen(answer.get("total_amount")) or 0, currency="CNY",
                             reference=answer.get("out_trade_no", ""), paid_at=china_time(answer.get("send_pay_date")))

    def close_order(self, *, provider_ref: str) -> None:
        try:
            answer = self.client.api_alipay_trade_close(out_trade_no=provider_ref)
        except Exception as error:
            if "ACQ.TRADE_NOT_EXIST" in str(error):  # never scanned: nothing to close
                return
            raise ProviderError(f"Alipay could not close the trade: {type(error).__name__}") from None
        if answer.get("code") != OK and answer.get("sub_code") != "ACQ.TRADE_NOT_EXIST":
            raise ProviderError(f"Alipay could not close the trade: {answer.get('sub_code')}")

    def refund(self, *, provider_ref: str, amount_minor: int, currency: str, idempotency_key: str) -> str:
        out_request_no = idempotency_key[-64:]
        answer = self._call(self.client.api_alipay_trade_refund, refund_amount=yuan(amount_minor),
                            out_trade_no=provider_ref, out_request_no=out_request_no)
        if answer.get("code") != OK:
            raise ProviderError(f"Alipay refused the refund: {answer.get('sub_code', answer.get('code'))}")
        return str(answer.get("trade_no") or out_request_no)

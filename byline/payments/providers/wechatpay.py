"""WeChat Pay (API v3) through the maintained `wechatpayv3` SDK: Native pay (a code_url for a QR
code) on desktop, H5 pay in mobile browsers, notifications verified with the platform public key and
decrypted (AES-256-GCM), order query, close and refund. Amounts are fen; out_trade_no is the order id.

The SDK signs every request (WECHATPAY2-SHA256-RSA2048) and verifies every answer; the only
internal it exposes no setter for is its host, which WECHATPAY_BASE_URL overrides (tests point it
at a local fake that checks the signatures as WeChat Pay does).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.utils.translation import gettext_lazy
from wechatpayv3 import WeChatPay, WeChatPayType

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
TOLERANCE_S = 300
CHINA = dt.timezone(dt.timedelta(hours=8))
HEADERS = ("Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial",
           "Wechatpay-Signature-Type")
STATES = {"SUCCESS": "succeeded", "REFUND": "refunded", "CLOSED": "failed", "REVOKED": "failed",
          "PAYERROR": "failed", "NOTPAY": "open", "USERPAYING": "open"}


def parse_time(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


class WeChatPayProvider(PaymentProvider):
    name = "wechatpay"
    qr_checkout = True
    refunds_to_method = True
    scan_help = gettext_lazy("Open WeChat, tap “Scan”, and point it at this code.")

    @classmethod
    def webhook_answer(cls, *, status: int, detail: str) -> WebhookAnswer:
        """WeChat Pay: 204 on success, else {"code": "FAIL", "message": ...} (it sends again)."""
        if status < 400:
            return WebhookAnswer(204, "", "text/plain")
        return WebhookAnswer(status, json.dumps({"code": "FAIL", "message": detail[:200]}), "application/json")

    def __init__(self, *, values: Mapping[str, str] | None = None, private_key: str | None = None,
                 platform_public_key: str | None = None, timeout: float = 10):
        self.config = dict(values if values is not None else config.values("wechatpay"))
        if not all(self.config.get(key) for key in config.REQUIRED["wechatpay"] if not key.endswith("_FILE")):
            raise ProviderError("WeChat Pay is not configured")
        try:
            private_key = private_key or config.read_key(self.config["PRIVATE_KEY_FILE"])
            platform_public_key = platform_public_key or config.read_key(self.config["PLATFORM_PUBLIC_KEY_FILE"])
            self.client = WeChatPay(
                wechatpay_type=WeChatPayType.NATIVE, mchid=self.config["MCHID"], private_key=private_key,
                cert_serial_no=self.config["CERT_SERIAL_NO"], appid=self.config["APPID"],
                apiv3_key=self.config["APIV3_KEY"], notify_url=self.config["NOTIFY_URL"],
                public_key=platform_public_key, public_key_id=self.config["PLATFORM_PUBLIC_KEY_ID"],
                timeout=(timeout, timeout))
        except (OSError, KeyError):
            raise ProviderError("WeChat Pay keys cannot be read") from None
        except Exception as error:  # the SDK raises bare Exception for a bad key
            raise ProviderError(f"WeChat Pay keys are not valid: {type(error).__name__}") from None
        if self.config.get("BASE_URL"):
            self.client._core._gate_way = self.config["BASE_URL"].rstrip("/")

    def _call(self, method, **kwargs) -> tuple[int, dict]:
        try:
            code, message = method(**kwargs)
        except Exception as error:  # network errors, timeouts, and the SDK's failed answer signatures
            raise ProviderError(f"WeChat Pay request failed: {type(error).__name__}: {error}") from None
        try:
            data = json.loads(message) if message else {}
        except (TypeError, ValueError):
            data = {}
        return code, data if isinstance(data, dict) else {}

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        if request.currency != "CNY":
            raise ProviderError("WeChat Pay takes CNY only")
        expires = request.expires_at or (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=settings.PAYMENT_QR_MINUTES))
        params: dict[str, Any] = {
            "description": request.description[:127], "out_trade_no": request.reference,
            "amount": {"total": request.amount_minor, "currency": "CNY"},
            "time_expire": expires.astimezone(CHINA).isoformat(timespec="seconds")}
        if request.channel == "mobile":
            params["pay_type"] = WeChatPayType.H5
            params["scene_info"] = {"payer_client_ip": request.client_ip or "127.0.0.1", "h5_info": {"type": "Wap"}}
        else:
            params["pay_type"] = WeChatPayType.NATIVE
        code, data = self._call(self.client.pay, **params)
        if code != 200:
            raise ProviderError(f"WeChat Pay refused the order: {code} {data.get('code', '')}")
        if request.channel == "mobile":
            if not data.get("h5_url"):
                raise ProviderError("WeChat Pay answered without h5_url")
            back = quote(request.success_url, safe="")
            return CheckoutSession(provider_ref=request.reference, redirect_url=f"{data['h5_url']}&redirect_url={back}",
                                   expires_at=expires)
        if not data.get("code_url"):
            raise ProviderError("WeChat Pay answered without code_url")
        return CheckoutSession(provider_ref=request.reference, redirect_url="", code_url=data["code_url"],
                               expires_at=expires)

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        data = verified_notification(client=self.client, config=self.config, body=body, headers=headers,
                                     invalid=InvalidWebhook)
        event_id, raw_type, resource = data.get("id"), data.get("event_type"), data["resource"]
        if not isinstance(event_id, str) or not event_id or len(event_id) > 200 or not isinstance(raw_type, str):
            raise InvalidWebhook("notification lacks id or event_type")
        if resource.get("mchid") != self.config["MCHID"] or resource.get("appid") != self.config["APPID"]:
            log.error("wechatpay notification %s for another merchant or app", event_id)
            raise InvalidWebhook("mchid or appid differs from this site's")
        amount = resource.get("amount") if isinstance(resource.get("amount"), dict) else {}
        total = amount.get("total")
        fields = {"event_id": event_id, "raw_type": raw_type, "reference": str(resource.get("out_trade_no", "")),
                  "provider_ref": str(resource.get("transaction_id", "")),
                  "amount_minor": total if type(total) is int and total >= 0 else 0,
                  "currency": str(amount.get("currency", "")).upper(),
                  "paid_at": parse_time(resource.get("success_time"))}
        if raw_type == "TRANSACTION.SUCCESS" and resource.get("trade_state") == "SUCCESS":
            return PaymentEvent(kind=EventKind.PAYMENT_SUCCEEDED, **fields)
        return PaymentEvent(kind=EventKind.IGNORED, **fields)

    def fetch_payment(self, *, provider_ref: str) -> PaymentStatus:
        code, data = self._call(self.client.query, out_trade_no=provider_ref)
        if code == 404:
            return PaymentStatus(provider_ref=provider_ref, state="failed", amount_minor=0, currency="CNY",
                                 reference=provider_ref)
        if code != 200:
            raise ProviderError(f"WeChat Pay order query failed: {code}")
        if data.get("mchid") != self.config["MCHID"] or data.get("appid") != self.config["APPID"]:
            raise ProviderError("WeChat Pay answered for another merchant or app")
        amount = data.get("amount") if isinstance(data.get("amount"), dict) else {}
        total = amount.get("total", amount.get("payer_total", 0))
        return PaymentStatus(provider_ref=provider_ref, state=STATES.get(data.get("trade_state"), "open"),
                             amount_minor=total if type(total) is int else 0,
                             currency=str(amount.get("currency", "CNY")).upper(),
                             reference=str(data.get("out_trade_no", "")), paid_at=parse_time(data.get("success_time")))

    def close_order(self, *, provider_ref: str) -> None:
        code, data = self._call(self.client.close, out_trade_no=provider_ref)
        if code not in (200, 204) and data.get("code") != "ORDER_CLOSED":
            raise ProviderError(f"WeChat Pay could not close the order: {code} {data.get('code', '')}")

    def refund(self, *, provider_ref: str, amount_minor: int, currency: str, idempotency_key: str) -> str:
        status = self.fetch_payment(provider_ref=provider_ref)
        out_refund_no = idempotency_key[-64:]
        code, data = self._call(self.client.refund, out_refund_no=out_refund_no, out_trade_no=provider_ref,
                                amount={"refund": amount_minor, "total": status.amount_minor, "currency": currency})
        if code != 200:
            raise ProviderError(f"WeChat Pay refused the refund: {code} {data.get('code', '')}")
        return str(data.get("refund_id") or out_refund_no)


def verified_notification(*, client: WeChatPay, config: Mapping[str, str], body: bytes,
                          headers: Mapping[str, str], invalid: type[Exception]) -> dict:
    """A WeChat Pay notification (payment, refund or transfer) whose signature, key serial and timestamp
    verify, decrypted; raises `invalid` (the caller's own error type) for anything else."""
    found = {name: headers.get(name, "") for name in HEADERS}
    found["Wechatpay-Signature-Type"] = found["Wechatpay-Signature-Type"] or "WECHATPAY2-SHA256-RSA2048"
    if not found["Wechatpay-Signature"] or found["Wechatpay-Serial"] != config["PLATFORM_PUBLIC_KEY_ID"]:
        raise invalid("missing signature, or signed with an unknown key")
    try:
        stamp = int(found["Wechatpay-Timestamp"])
    except ValueError:
        raise invalid("malformed timestamp") from None
    if abs(time.time() - stamp) > TOLERANCE_S:
        raise invalid("signature timestamp outside the tolerance")
    try:
        data = client.callback(headers=found, body=body)
    except Exception:  # malformed JSON, unsupported algorithm, undecodable body
        raise invalid("malformed notification") from None
    if not data or not isinstance(data.get("resource"), dict):
        raise invalid("signature or encryption does not verify")
    return data

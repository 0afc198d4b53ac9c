"""Alipay transfer to an Alipay account (`alipay.fund.trans.uni.transfer`, 单笔转账到支付宝账户) through
`python-alipay-sdk`, with the same app, keys and gateway as Alipay payments (ALIPAY_*). The SDK signs each
request (RSA2) and verifies each answer with Alipay's public key; Byline's payout reference is the
`out_biz_no`, which Alipay accepts once, so sending again can never pay twice, and
`alipay.fund.trans.common.query` finds the transfer by it. Alipay checks the payee's real name against the
login id. Amounts are yuan strings; Byline converts from fen exactly.

Order-change notifications (`alipay.fund.trans.order.changed`) are verified like payment notifications.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import parse_qsl

from byline.payments.providers.alipay import OK, AlipayProvider, yuan
from byline.payments.providers.base import ProviderError
from byline.payouts.providers.base import (
    InvalidNotice,
    PayoutAnswer,
    PayoutNotice,
    PayoutOrder,
    PayoutProvider,
    PayoutProviderError,
    PayoutState,
)

TRANSFER, QUERY = "alipay.fund.trans.uni.transfer", "alipay.fund.trans.common.query"
PRODUCT = {"product_code": "TRANS_ACCOUNT_NO_PWD", "biz_scene": "DIRECT_TRANSFER"}
STATES = {"SUCCESS": PayoutState.PAID, "DEALING": PayoutState.IN_FLIGHT, "WAIT_PAY": PayoutState.IN_FLIGHT,
          "FAIL": PayoutState.FAILED, "CLOSED": PayoutState.FAILED, "REFUND": PayoutState.RETURNED}
# Answers that say Alipay did not take the transfer, and never will under this out_biz_no as it stands.
# Anything else that is not a success (SYSTEM_ERROR, a 20000 outage) leaves the payout to be asked about again.
RETRY_LATER = {"SYSTEM_ERROR", "ACQ.SYSTEM_ERROR", "aop.ACQ.SYSTEM_ERROR"}


class AlipayPayouts(PayoutProvider):
    name = "alipay"
    currencies = frozenset({"CNY"})
    fields = ("account_ref", "holder_name")
    notices = True

    def __init__(self, *, values: Mapping[str, str] | None = None, private_key: str | None = None,
                 alipay_public_key: str | None = None, timeout: float = 10):
        try:
            self.payments = AlipayProvider(values=values, private_key=private_key,
                                           alipay_public_key=alipay_public_key, timeout=timeout)
        except ProviderError as error:
            raise PayoutProviderError(str(error)) from None
        self.client = self.payments.client

    @classmethod
    def acknowledgement(cls, status: int, detail: str) -> tuple[int, str, bytes]:
        """Alipay reads the plain word "success"; anything else means "send it again"."""
        return (200, "text/plain", b"success") if status < 400 else (status, "text/plain", b"failure")

    def account_ready(self, *, method) -> bool:
        return bool(method.account_ref.strip() and method.holder_name.strip())

    def _call(self, api: str, biz: dict) -> dict:
        response_type = api.replace(".", "_") + "_response"
        try:
            return self.client.verified_sync_response(self.client.build_body(api, biz), response_type)
        except Exception as error:  # network, timeouts, answers whose signature does not verify
            raise PayoutProviderError(f"Alipay {api} failed: {type(error).__name__}") from None

    def send(self, order: PayoutOrder) -> PayoutAnswer:
        answer = self._call(TRANSFER, {
            "out_biz_no": order.reference, "trans_amount": yuan(order.amount_minor), **PRODUCT,
            "order_title": order.description[:100] or order.reference,
            "payee_info": {"identity": order.account_ref, "identity_type": "ALIPAY_LOGON_ID",
                           "name": order.holder_name}})
        if answer.get("code") != OK:
            if answer.get("sub_code") in RETRY_LATER or answer.get("code") != "40004":
                raise PayoutProviderError(f"Alipay: {answer.get('code')} {answer.get('sub_code', '')}")
            return PayoutAnswer(PayoutState.FAILED, failure_reason=str(answer.get("sub_code", "refused"))[:200])
        return _answer(answer)

    def fetch(self, order: PayoutOrder) -> PayoutAnswer:
        answer = self._call(QUERY, {"out_biz_no": order.reference, **PRODUCT})
        if answer.get("sub_code") == "ORDER_NOT_EXIST":
            return PayoutAnswer(PayoutState.UNKNOWN)
        if answer.get("code") != OK:
            raise PayoutProviderError(f"Alipay query: {answer.get('code')} {answer.get('sub_code', '')}")
        return _answer(answer)

    def parse_notice(self, *, body: bytes, headers: Mapping[str, str]) -> PayoutNotice:
        try:
            data = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            raise InvalidNotice("body is not a form") from None
        signature = data.pop("sign", "")
        if not signature or data.get("sign_type", "RSA2") != "RSA2":
            raise InvalidNotice("missing signature or not RSA2")
        try:
            verified = self.client.verify(dict(data), signature)
        except Exception:  # malformed base64 and the like
            verified = False
        if not verified:
            raise InvalidNotice("signature does not verify")
        if data.get("app_id") != self.payments.config["APPID"]:
            raise InvalidNotice("app_id differs from this site's")
        event_id = data.get("notify_id", "")
        if not event_id or len(event_id) > 200 or data.get("msg_method") != "alipay.fund.trans.order.changed":
            raise InvalidNotice("not a transfer notification")
        try:
            biz = json.loads(data.get("biz_content", ""))
        except ValueError:
            raise InvalidNotice("malformed biz_content") from None
        if not isinstance(biz, dict) or not biz.get("out_biz_no"):
            raise InvalidNotice("malformed biz_content")
        return PayoutNotice(event_id=event_id, reference=str(biz["out_biz_no"]), raw_type=data["msg_method"],
                            answer=_answer(biz))


def _answer(data: Mapping) -> PayoutAnswer:
    state = STATES.get(str(data.get("status", "")), PayoutState.IN_FLIGHT)
    reason = str(data.get("fail_reason") or data.get("error_code") or "")
    return PayoutAnswer(state, provider_ref=str(data.get("order_id", "")),
                        failure_reason=reason[:200] if state in (PayoutState.FAILED, PayoutState.RETURNED) else "")

"""WeChat Pay 商家转账 (transfer to a user's WeChat balance, `/v3/fund-app/mch-transfer/transfer-bills`)
through `wechatpayv3`, with the merchant, keys and host of WeChat Pay payments (WECHATPAY_*).

The payee is named by their openid under the site's AppID, which WeChat itself tells Byline: the writer
opens the set-up link in WeChat, WeChat's sign-in (snsapi_base, no consent screen) sends them back with a
code, and Byline exchanges it for the openid (WECHATPAY_APP_SECRET). The payee's real name, when given,
goes encrypted with the platform key (WeChat requires it from ¥2,000) and WeChat checks it.

Byline's payout reference is the `out_bill_no`, which WeChat accepts once, so sending again can never pay
twice, and the bill is found by it. A transfer waits for the payee to accept it in WeChat
(WAIT_USER_CONFIRM): `payee_action` carries the `package_info` the WeChat page needs for that.
Notifications (`MCHTRANSFER.BILL.FINISHED`) are verified and decrypted as payment notifications are.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping

from django.conf import settings

from byline.payments.providers.base import ProviderError
from byline.payments.providers.wechatpay import WeChatPayProvider, verified_notification
from byline.payouts.providers.base import (
    InvalidNotice,
    Onboarding,
    PayoutAnswer,
    PayoutNotice,
    PayoutOrder,
    PayoutProvider,
    PayoutProviderError,
    PayoutState,
)

AUTHORIZE_URL = "https://open.weixin.qq.com/connect/oauth2/authorize"
STATES = {"SUCCESS": PayoutState.PAID, "FAIL": PayoutState.FAILED, "CANCELLED": PayoutState.FAILED,
          "ACCEPTED": PayoutState.IN_FLIGHT, "PROCESSING": PayoutState.IN_FLIGHT, "TRANSFERING": PayoutState.IN_FLIGHT,
          "WAIT_USER_CONFIRM": PayoutState.IN_FLIGHT, "CANCELING": PayoutState.IN_FLIGHT}
# Scene 1005 (佣金报酬, remuneration) with the two facts WeChat asks to be reported for it.
SCENE_REPORT = [{"info_type": "岗位类型", "info_content": "作者"},
                {"info_type": "报酬说明", "info_content": "稿费结算"}]


class WeChatPayPayouts(PayoutProvider):
    name = "wechatpay"
    currencies = frozenset({"CNY"})
    onboarding = True
    notices = True
    fields = ("holder_name",)

    def __init__(self, *, values: Mapping[str, str] | None = None, private_key: str | None = None,
                 platform_public_key: str | None = None, timeout: float = 10):
        try:
            self.payments = WeChatPayProvider(values=values, private_key=private_key,
                                              platform_public_key=platform_public_key, timeout=timeout)
        except ProviderError as error:
            raise PayoutProviderError(str(error)) from None
        self.config, self.client, self.timeout = self.payments.config, self.payments.client, timeout

    @classmethod
    def acknowledgement(cls, status: int, detail: str) -> tuple[int, str, bytes]:
        """WeChat Pay: 204 when taken, else {"code": "FAIL", "message": ...} and it sends again."""
        if status < 400:
            return 204, "text/plain", b""
        return status, "application/json", json.dumps({"code": "FAIL", "message": detail[:200]}).encode()

    # The payee's openid, from WeChat's own sign-in ---------------------------------------------------------
    def start_onboarding(self, *, method, return_url: str, state: str) -> Onboarding:
        # WeChat sends the writer back to redirect_uri with `code` and this `state` added.
        query = urllib.parse.urlencode({"appid": self.config["APPID"], "redirect_uri": return_url,
                                        "response_type": "code", "scope": "snsapi_base", "state": state})
        return Onboarding(url=f"{AUTHORIZE_URL}?{query}#wechat_redirect")

    def finish_onboarding(self, *, method, query: Mapping[str, str]) -> str:
        code = query.get("code", "")
        if not code or len(code) > 200:
            raise PayoutProviderError("WeChat sign-in did not come back with a code")
        params = urllib.parse.urlencode({"appid": self.config["APPID"], "secret": settings.WECHATPAY_APP_SECRET,
                                         "code": code, "grant_type": "authorization_code"})
        url = f"{settings.WECHAT_OAUTH_API_URL.rstrip('/')}/sns/oauth2/access_token?{params}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310 - a configured https URL
                data = json.loads(response.read().decode())
        except (OSError, ValueError, urllib.error.URLError) as error:
            raise PayoutProviderError(f"WeChat sign-in exchange failed: {type(error).__name__}") from None
        openid = data.get("openid") if isinstance(data, dict) else None
        if not isinstance(openid, str) or not openid or len(openid) > 128:
            errcode = data.get("errcode") if isinstance(data, dict) else ""
            raise PayoutProviderError(f"WeChat sign-in refused: {errcode}")
        return openid

    def account_ready(self, *, method) -> bool:
        return bool(method.account_ref)

    # Transfers ----------------------------------------------------------------------------------------------
    def _call(self, method, **kwargs) -> tuple[int, dict]:
        try:
            return self.payments._call(method, **kwargs)
        except ProviderError as error:
            raise PayoutProviderError(str(error)) from None

    def send(self, order: PayoutOrder) -> PayoutAnswer:
        code, data = self._call(
            self.client.mch_transfer_bills, out_bill_no=order.reference,
            transfer_scene_id=settings.WECHATPAY_TRANSFER_SCENE_ID, openid=order.account_ref,
            transfer_amount=order.amount_minor, transfer_remark=(order.description or "稿费")[:32],
            user_name=order.holder_name or None, transfer_scene_report_infos=SCENE_REPORT)
        if code == 200:
            return _answer(data)
        if 400 <= code < 500 and data.get("code") not in ("SYSTEM_ERROR", "FREQUENCY_LIMITED"):
            return PayoutAnswer(PayoutState.FAILED, failure_reason=str(data.get("code", code))[:200])
        raise PayoutProviderError(f"WeChat Pay transfer: {code} {data.get('code', '')}")

    def fetch(self, order: PayoutOrder) -> PayoutAnswer:
        code, data = self._call(self.client.mch_transfer_bills_query, out_bill_no=order.reference)
        if code == 404:
            return PayoutAnswer(PayoutState.UNKNOWN)
        if code != 200:
            raise PayoutProviderError(f"WeChat Pay transfer query: {code} {data.get('code', '')}")
        return _answer(data)

    def parse_notice(self, *, body: bytes, headers: Mapping[str, str]) -> PayoutNotice:
        data = verified_notification(client=self.client, config=self.config, body=body, headers=headers,
                                     invalid=InvalidNotice)
        event_id, raw_type, resource = data.get("id"), data.get("event_type"), data["resource"]
        if not isinstance(event_id, str) or not event_id or len(event_id) > 200 \
                or raw_type != "MCHTRANSFER.BILL.FINISHED":
            raise InvalidNotice("not a transfer notification")
        if resource.get("mch_id") != self.config["MCHID"] or not resource.get("out_bill_no"):
            raise InvalidNotice("mch_id differs from this site's")
        return PayoutNotice(event_id=event_id, reference=str(resource["out_bill_no"]), raw_type=raw_type,
                            answer=_answer(resource))


def _answer(data: Mapping) -> PayoutAnswer:
    state = STATES.get(str(data.get("state", "")), PayoutState.IN_FLIGHT)
    return PayoutAnswer(state, provider_ref=str(data.get("transfer_bill_no", "")),
                        failure_reason=str(data.get("fail_reason", ""))[:200] if state == PayoutState.FAILED else "",
                        payee_action=str(data.get("package_info", ""))[:500]
                        if data.get("state") == "WAIT_USER_CONFIRM" else "")

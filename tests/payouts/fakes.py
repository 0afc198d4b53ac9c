"""Local stand-ins for the payout side of Stripe Connect, Alipay and WeChat Pay.

Like tests/payments/fakes.py, each checks requests as the real service does (Stripe: the secret key and an
idempotency key on every POST, a repeat answered with the first result; Alipay: RSA2 over the sorted
parameters; WeChat Pay: the merchant's signed Authorization header, and the payee's name encrypted with the
platform key) and answers as it does (Alipay and WeChat Pay sign their answers, which the SDKs verify).
They also build signed notifications. Nothing here reaches the network.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
import urllib.parse
from dataclasses import dataclass, field

import stripe
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from byline.payments.providers import signing
from tests.payments.fakes import CHINA, FakeAlipay, FakeWeChatPay, KeyPair


class FakeStripeConnect(stripe.HTTPClient):
    """api.stripe.com for Connect: Express accounts, account links, transfers; through the official SDK."""

    name = "fake-connect"

    def __init__(self, api_key: str = "sk_test_connect"):
        super().__init__()
        self.api_key = api_key
        self.accounts: dict[str, dict] = {}
        self.transfers: dict[str, dict] = {}
        self.by_key: dict[str, tuple[str, int]] = {}  # idempotency key -> the first answer
        self.requests: list = []
        self.balance = 10**9  # the platform's available balance, in minor units

    def _json(self, body: dict, status: int = 200):
        return json.dumps(body), status, {"Request-Id": "req_" + secrets.token_hex(6)}

    def _error(self, status: int, kind: str, code: str, message: str):
        return self._json({"error": {"type": kind, "code": code, "message": message}}, status)

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        form = dict(urllib.parse.parse_qsl(post_data or ""))
        path = urllib.parse.urlparse(url).path
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(url).query))
        self.requests.append((method, path, headers, form))
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return self._error(401, "invalid_request_error", "api_key_invalid", "Invalid API Key provided")
        if method == "post":
            key = headers.get("Idempotency-Key")
            if not key:
                return self._error(400, "invalid_request_error", "idempotency_key_missing", "send one")
            if key in self.by_key:
                return self.by_key[key][0], self.by_key[key][1], {"Idempotent-Replayed": "true"}
            body, status, extra = self._post(path, form)
            self.by_key[key] = (body, status)
            return body, status, extra
        if path.startswith("/v1/accounts/"):
            account = self.accounts.get(path.rsplit("/", 1)[1])
            return self._json(account) if account else self._error(404, "invalid_request_error", "resource_missing",
                                                                    "No such account")
        if path == "/v1/transfers":
            found = [t for t in self.transfers.values() if t["transfer_group"] == query.get("transfer_group")]
            return self._json({"object": "list", "data": found, "has_more": False, "url": "/v1/transfers"})
        return self._error(404, "invalid_request_error", "resource_missing", path)

    def _post(self, path, form):
        if path == "/v1/accounts":
            if form.get("type") != "express" or form.get("capabilities[transfers][requested]") != "true":
                return self._error(400, "invalid_request_error", "parameter_invalid", "express with transfers")
            account = {"id": "acct_" + secrets.token_hex(8), "object": "account", "type": "express",
                       "email": form.get("email"), "payouts_enabled": False, "charges_enabled": False,
                       "capabilities": {"transfers": "inactive"}, "metadata": {}}
            self.accounts[account["id"]] = account
            return self._json(account)
        if path == "/v1/account_links":
            if form.get("account") not in self.accounts or form.get("type") != "account_onboarding":
                return self._error(400, "invalid_request_error", "parameter_invalid", "account")
            return self._json({"object": "account_link", "url": f"https://connect.stripe.test/setup/{form['account']}",
                               "expires_at": int(time.time()) + 300})
        if path == "/v1/transfers":
            account = self.accounts.get(form.get("destination", ""))
            if account is None or account["capabilities"]["transfers"] != "active":
                return self._error(400, "invalid_request_error", "insufficient_capabilities_for_transfer",
                                   "The destination account cannot receive transfers")
            amount = int(form["amount"])
            if amount > self.balance:
                return self._error(400, "invalid_request_error", "balance_insufficient", "Insufficient funds")
            self.balance -= amount
            transfer = {"id": "tr_" + secrets.token_hex(8), "object": "transfer", "amount": amount,
                        "amount_reversed": 0, "currency": form["currency"], "destination": account["id"],
                        "transfer_group": form.get("transfer_group"), "reversed": False,
                        "metadata": {"reference": form.get("metadata[reference]", "")}}
            self.transfers[transfer["id"]] = transfer
            return self._json(transfer)
        return self._error(404, "invalid_request_error", "resource_missing", path)

    def close(self):
        pass

    # What happens at Stripe ------------------------------------------------------------------------------------
    def finish_onboarding(self, account_id: str) -> None:
        self.accounts[account_id].update(payouts_enabled=True, charges_enabled=True,
                                         capabilities={"transfers": "active"})

    def reverse(self, transfer_id: str) -> dict:
        transfer = self.transfers[transfer_id]
        transfer.update(reversed=True, amount_reversed=transfer["amount"])
        return transfer

    def event(self, obj: dict, *, event_type: str, secret: str, timestamp: int | None = None,
              event_id: str | None = None) -> tuple[bytes, dict]:
        body = json.dumps({"id": event_id or "evt_" + secrets.token_hex(8), "object": "event", "type": event_type,
                           "created": int(time.time()), "data": {"object": obj}}).encode()
        return body, {"Stripe-Signature": signing.sign(body, secret, timestamp or int(time.time()))}


@dataclass
class FakeAlipayTransfers(FakeAlipay):
    """The Alipay gateway's transfer API (`alipay.fund.trans.uni.transfer`, `alipay.fund.trans.common.query`)."""

    accounts: dict = field(default_factory=dict)  # login id -> real name
    transfers: dict = field(default_factory=dict)

    def handle(self, http_method, path, headers, body):
        params = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(path).query, keep_blank_values=True))
        method = params.get("method", "")
        if method not in ("alipay.fund.trans.uni.transfer", "alipay.fund.trans.common.query"):
            return super().handle(http_method, path, headers, body)
        self.requests.append((method, params))
        if params.get("app_id") != self.appid or params.get("sign_type") != "RSA2" or \
                not self.app.verifies(self.signing_string(params, request=True), params.get("sign", "")):
            self.rejected.append(method)
            return self._answer(method, {"code": "40002", "msg": "Invalid Arguments",
                                         "sub_code": "isv.invalid-signature", "sub_msg": "验签出错"})
        biz = json.loads(params.get("biz_content") or "{}")
        if biz.get("product_code") != "TRANS_ACCOUNT_NO_PWD" or biz.get("biz_scene") != "DIRECT_TRANSFER":
            return self._answer(method, {"code": "40004", "msg": "Business Failed", "sub_code": "INVALID_PARAMETER"})
        order = self.transfers.get(biz.get("out_biz_no", ""))
        if method == "alipay.fund.trans.common.query":
            if order is None:
                return self._answer(method, {"code": "40004", "msg": "Business Failed", "sub_code": "ORDER_NOT_EXIST"})
            return self._answer(method, {"code": "10000", "msg": "Success", **order})
        if order is not None:  # out_biz_no is accepted once: the same answer again
            return self._answer(method, {"code": "10000", "msg": "Success", **order})
        payee = biz.get("payee_info") or {}
        if self.accounts.get(payee.get("identity")) is None:
            return self._answer(method, {"code": "40004", "msg": "Business Failed", "sub_code": "PAYEE_NOT_EXIST",
                                         "sub_msg": "收款账号不存在"})
        if self.accounts[payee["identity"]] != payee.get("name"):
            return self._answer(method, {"code": "40004", "msg": "Business Failed",
                                         "sub_code": "PAYEE_USER_INFO_ERROR", "sub_msg": "收款人姓名不匹配"})
        order = {"out_biz_no": biz["out_biz_no"], "order_id": "2025" + secrets.token_hex(10),
                 "pay_fund_order_id": "2025" + secrets.token_hex(10), "status": "SUCCESS",
                 "trans_amount": biz["trans_amount"], "trans_date": time.strftime("%Y-%m-%d %H:%M:%S")}
        self.transfers[biz["out_biz_no"]] = order
        return self._answer(method, {"code": "10000", "msg": "Success", **order})

    def order_changed(self, order: dict, *, key: KeyPair | None = None, **changes) -> bytes:
        """An `alipay.fund.trans.order.changed` notification, signed with the platform key."""
        params = {"notify_id": secrets.token_hex(16), "utc_timestamp": str(int(time.time() * 1000)),
                  "msg_method": "alipay.fund.trans.order.changed", "app_id": self.appid, "version": "1.1",
                  "charset": "utf-8", "biz_content": json.dumps({**order, **changes.pop("biz", {})},
                                                                ensure_ascii=False)}
        params.update(changes)
        params["sign"] = (key or self.platform).sign(self.signing_string(params))
        params["sign_type"] = "RSA2"
        return urllib.parse.urlencode(params).encode()


@dataclass
class FakeWeChatTransfers(FakeWeChatPay):
    """WeChat Pay's 商家转账 API, and WeChat's sign-in code exchange (api.weixin.qq.com) on the same port."""

    bills: dict = field(default_factory=dict)
    codes: dict = field(default_factory=dict)  # sign-in code -> openid
    app_secret: str = "wechat-app-secret-test"

    def handle(self, method, path, headers, body):
        route = urllib.parse.urlparse(path).path
        if route == "/sns/oauth2/access_token":
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(path).query))
            openid = self.codes.pop(query.get("code", ""), None)
            if query.get("appid") != self.appid or query.get("secret") != self.app_secret or openid is None:
                return 200, {"Content-Type": "application/json"}, b'{"errcode":40029,"errmsg":"invalid code"}'
            return 200, {"Content-Type": "application/json"}, json.dumps(
                {"access_token": "at", "expires_in": 7200, "openid": openid, "scope": "snsapi_base"}).encode()
        if not route.startswith("/v3/fund-app/mch-transfer/transfer-bills"):
            return super().handle(method, path, headers, body)
        self.requests.append((method, path, body))
        if not self._signature_ok(method, path, headers, body):
            self.rejected.append(path)
            return self._answer(401, {"code": "SIGN_ERROR", "message": "signature does not verify"})
        match = re.fullmatch(r"/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/(\w+)", route)
        if match and method == "GET":
            bill = self.bills.get(match.group(1))
            return self._answer(200, bill) if bill else self._answer(404, {"code": "NOT_FOUND", "message": "none"})
        data = json.loads(body)
        if data.get("appid") != self.appid:
            return self._answer(400, {"code": "PARAM_ERROR", "message": "appid"})
        if data["out_bill_no"] in self.bills:  # the same out_bill_no: the first bill
            return self._answer(200, self._created(self.bills[data["out_bill_no"]]))
        if data.get("user_name"):
            if headers.get("Wechatpay-Serial") != self.public_key_id:
                return self._answer(400, {"code": "PARAM_ERROR", "message": "encrypted without the serial"})
            data["user_name"] = self.platform.private.decrypt(
                base64.b64decode(data["user_name"]),
                padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)).decode()
        if not data.get("openid", "").startswith("o"):
            return self._answer(400, {"code": "OPENID_INVALID", "message": "openid"})
        bill = {"mch_id": self.mchid, "out_bill_no": data["out_bill_no"],
                "transfer_bill_no": "1330000" + secrets.token_hex(10), "state": "WAIT_USER_CONFIRM",
                "transfer_amount": data["transfer_amount"], "openid": data["openid"],
                "user_name": data.get("user_name", ""), "package_info": "ABBQO+oYAAABAAAAAAAk" + secrets.token_hex(8),
                "create_time": time.strftime("%Y-%m-%dT%H:%M:%S+08:00")}
        self.bills[data["out_bill_no"]] = bill
        return self._answer(200, self._created(bill))

    @staticmethod
    def _created(bill: dict) -> dict:
        return {key: bill[key] for key in ("out_bill_no", "transfer_bill_no", "create_time", "state", "package_info")}

    def confirm(self, out_bill_no: str) -> dict:
        """The payee accepted the transfer in WeChat."""
        bill = self.bills[out_bill_no]
        bill.update(state="SUCCESS", update_time=time.strftime("%Y-%m-%dT%H:%M:%S+08:00"))
        bill.pop("package_info", None)
        return bill

    def bill_notice(self, bill: dict, *, event_id: str | None = None, key: KeyPair | None = None,
                    apiv3_key: str | None = None, timestamp: int | None = None) -> tuple[bytes, dict]:
        """MCHTRANSFER.BILL.FINISHED: the bill encrypted (AES-256-GCM), the whole body signed."""
        nonce, associated = secrets.token_hex(6), "mch_payment"
        sealed = AESGCM((apiv3_key or self.apiv3_key).encode()).encrypt(
            nonce.encode(), json.dumps(bill).encode(), associated.encode())
        body = json.dumps({"id": event_id or secrets.token_hex(18), "create_time": time.strftime("%Y-%m-%dT%H:%M:%S"),
                           "resource_type": "encrypt-resource", "event_type": "MCHTRANSFER.BILL.FINISHED",
                           "summary": "商家转账单据终态通知",
                           "resource": {"original_type": "mch_payment", "algorithm": "AEAD_AES_256_GCM",
                                        "ciphertext": base64.b64encode(sealed).decode(),
                                        "associated_data": associated, "nonce": nonce}}).encode()
        stamp, sig_nonce = str(timestamp or int(time.time())), secrets.token_hex(16)
        headers = {"Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": sig_nonce, "Wechatpay-Serial": self.public_key_id,
                   "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
                   "Wechatpay-Signature": (key or self.platform).sign(f"{stamp}\n{sig_nonce}\n{body.decode()}\n")}
        return body, headers


__all__ = ["CHINA", "FakeAlipayTransfers", "FakeStripeConnect", "FakeWeChatTransfers"]

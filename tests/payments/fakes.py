"""Local stand-ins for the WeChat Pay API v3 and Alipay open API, on 127.0.0.1 with a free port.

Each checks request signatures the way the real service does (WeChat: the merchant's
WECHATPAY2-SHA256-RSA2048 Authorization header over method, path, timestamp, nonce and body;
Alipay: RSA2 over the sorted parameters) and answers signed with the platform's key, which the
SDKs verify. They also build signed (and, for WeChat, AES-256-GCM encrypted) notifications.
Keys are generated per test session; nothing here reaches the network.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

CHINA = dt.timezone(dt.timedelta(hours=8))


@dataclass
class KeyPair:
    private: rsa.RSAPrivateKey

    @classmethod
    def generate(cls) -> KeyPair:
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @property
    def private_pem(self) -> str:
        return self.private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()).decode()

    @property
    def public_pem(self) -> str:
        return self.private.public_key().public_bytes(serialization.Encoding.PEM,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def sign(self, message: str) -> str:
        return base64.b64encode(self.private.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()

    def verifies(self, message: str, signature: str) -> bool:
        try:
            self.private.public_key().verify(base64.b64decode(signature), message.encode(), padding.PKCS1v15(),
                                             hashes.SHA256())
        except (InvalidSignature, ValueError):
            return False
        return True


class _Server:
    """A threaded HTTP server whose handler calls `self.handle(method, path, headers, body)`."""

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = fake.handle(self.command, self.path, self.headers, body)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _any

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class FakeWeChatPay(_Server):
    merchant: KeyPair
    platform: KeyPair
    mchid: str = "1900000109"
    appid: str = "wx0000000000test"
    serial_no: str = "TESTMERCHANTSERIAL01"
    public_key_id: str = "PUB_KEY_ID_TEST000001"
    apiv3_key: str = field(default_factory=lambda: secrets.token_hex(16))
    orders: dict = field(default_factory=dict)
    refunds: dict = field(default_factory=dict)
    requests: list = field(default_factory=list)
    rejected: list = field(default_factory=list)

    def values(self, base_url: str) -> dict:
        return {"MCHID": self.mchid, "APPID": self.appid, "APIV3_KEY": self.apiv3_key,
                "CERT_SERIAL_NO": self.serial_no, "PRIVATE_KEY_FILE": "unused", "PLATFORM_PUBLIC_KEY_FILE": "unused",
                "PLATFORM_PUBLIC_KEY_ID": self.public_key_id, "NOTIFY_URL": "https://byline.test/payments/webhooks/wechatpay/",
                "BASE_URL": base_url}

    # The API --------------------------------------------------------------------------------
    def _signature_ok(self, method: str, path: str, headers, body: bytes) -> bool:
        match = re.fullmatch(r'WECHATPAY2-SHA256-RSA2048 (.*)', headers.get("Authorization", ""))
        if not match:
            return False
        parts = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
        if parts.get("mchid") != self.mchid or parts.get("serial_no") != self.serial_no:
            return False
        if abs(time.time() - int(parts.get("timestamp", "0"))) > 300:
            return False
        message = f"{method}\n{path}\n{parts['timestamp']}\n{parts['nonce_str']}\n{body.decode()}\n"
        return self.merchant.verifies(message, parts.get("signature", ""))

    def _answer(self, status: int, data: dict | None) -> tuple[int, dict, bytes]:
        body = json.dumps(data).encode() if data is not None else b""
        stamp, nonce = str(int(time.time())), secrets.token_hex(16)
        headers = {"Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": nonce, "Wechatpay-Serial": self.public_key_id,
                   "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
                   "Wechatpay-Signature": self.platform.sign(f"{stamp}\n{nonce}\n{body.decode()}\n")}
        if data is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        return status, headers, body

    def handle(self, method, path, headers, body):
        self.requests.append((method, path, body))
        if not self._signature_ok(method, path, headers, body):
            self.rejected.append(path)
            return self._answer(401, {"code": "SIGN_ERROR", "message": "signature does not verify"})
        data = json.loads(body) if body else {}
        route = urllib.parse.urlparse(path).path
        if method == "POST" and route in ("/v3/pay/transactions/native", "/v3/pay/transactions/h5"):
            if data.get("appid") != self.appid or data.get("mchid") != self.mchid:
                return self._answer(400, {"code": "PARAM_ERROR", "message": "appid and mchid do not match"})
            order = self.orders.setdefault(data["out_trade_no"], {
                "out_trade_no": data["out_trade_no"], "amount": data["amount"], "state": "NOTPAY",
                "time_expire": data.get("time_expire"), "description": data["description"],
                "code_url": "weixin://wxpay/bizpayurl?pr=" + secrets.token_urlsafe(9)})
            if order["state"] != "NOTPAY":
                return self._answer(400, {"code": "ORDER_CLOSED" if order["state"] == "CLOSED" else "ORDERPAID",
                                          "message": "order is no longer payable"})
            if route.endswith("/h5"):
                h5_url = "https://wx.tenpay.test/checkmweb?prepay_id=" + order["out_trade_no"]
                return self._answer(200, {"h5_url": h5_url})
            return self._answer(200, {"code_url": order["code_url"]})
        match = re.fullmatch(r"/v3/pay/transactions/out-trade-no/(\w+)(/close)?", route)
        if match:
            order = self.orders.get(match.group(1))
            if order is None:
                return self._answer(404, {"code": "ORDER_NOT_EXIST", "message": "no such order"})
            if match.group(2):
                if order["state"] == "SUCCESS":
                    return self._answer(400, {"code": "ORDERPAID", "message": "paid"})
                order["state"] = "CLOSED"
                return self._answer(204, None)
            return self._answer(200, self.transaction(order))
        if method == "POST" and route == "/v3/refund/domestic/refunds":
            order = self.orders.get(data.get("out_trade_no"))
            if order is None or order["state"] not in ("SUCCESS", "REFUND"):
                return self._answer(400, {"code": "INVALID_REQUEST", "message": "not refundable"})
            total = order["amount"]["total"]
            if data["amount"]["total"] != total or data["amount"]["refund"] > total:
                return self._answer(400, {"code": "PARAM_ERROR", "message": "amount"})
            refund = self.refunds.setdefault(data["out_refund_no"], {
                "refund_id": "50000" + secrets.token_hex(8), "out_refund_no": data["out_refund_no"],
                "status": "PROCESSING", "amount": data["amount"]})
            order["state"] = "REFUND"
            return self._answer(200, refund)
        return self._answer(404, {"code": "NOT_FOUND", "message": route})

    # What the payer does --------------------------------------------------------------------
    def pay(self, out_trade_no: str, *, when: dt.datetime | None = None) -> dict:
        order = self.orders[out_trade_no]
        order.update(state="SUCCESS", transaction_id="42000" + secrets.token_hex(8),
                     success_time=(when or dt.datetime.now(CHINA)).astimezone(CHINA).isoformat(timespec="seconds"))
        return order

    def cancel(self, out_trade_no: str) -> None:
        self.orders[out_trade_no]["state"] = "CLOSED"

    def transaction(self, order: dict, **changes) -> dict:
        data = {"appid": self.appid, "mchid": self.mchid, "out_trade_no": order["out_trade_no"],
                "transaction_id": order.get("transaction_id", ""), "trade_type": "NATIVE",
                "trade_state": order["state"], "trade_state_desc": order["state"],
                "amount": {"total": order["amount"]["total"], "payer_total": order["amount"]["total"],
                           "currency": "CNY", "payer_currency": "CNY"}}
        if order.get("success_time"):
            data["success_time"] = order["success_time"]
        data.update(changes)
        return data

    def notification(self, resource: dict, *, event_id: str | None = None, key: KeyPair | None = None,
                     apiv3_key: str | None = None, timestamp: int | None = None) -> tuple[bytes, dict]:
        """A TRANSACTION.SUCCESS notification: the resource encrypted, the whole body signed."""
        nonce = secrets.token_hex(6)
        associated = "transaction"
        cipher = AESGCM((apiv3_key or self.apiv3_key).encode())
        sealed = cipher.encrypt(nonce.encode(), json.dumps(resource).encode(), associated.encode())
        body = json.dumps({
            "id": event_id or secrets.token_hex(18),
            "create_time": dt.datetime.now(CHINA).isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS", "summary": "支付成功",
            "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM",
                         "ciphertext": base64.b64encode(sealed).decode(), "associated_data": associated,
                         "nonce": nonce}}).encode()
        stamp, sig_nonce = str(timestamp or int(time.time())), secrets.token_hex(16)
        headers = {"Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": sig_nonce, "Wechatpay-Serial": self.public_key_id,
                   "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
                   "Wechatpay-Signature": (key or self.platform).sign(f"{stamp}\n{sig_nonce}\n{body.decode()}\n")}
        return body, headers


@dataclass
class FakeAlipay(_Server):
    app: KeyPair
    platform: KeyPair
    appid: str = "2021000000000001"
    trades: dict = field(default_factory=dict)
    refunds: dict = field(default_factory=dict)
    requests: list = field(default_factory=list)
    rejected: list = field(default_factory=list)

    def values(self, base_url: str) -> dict:
        return {"APPID": self.appid, "PRIVATE_KEY_FILE": "unused", "PUBLIC_KEY_FILE": "unused",
                "NOTIFY_URL": "https://byline.test/payments/webhooks/alipay/", "GATEWAY_URL": f"{base_url}/gateway.do"}

    @staticmethod
    def signing_string(params: dict, *, request: bool = False) -> str:
        """Requests are signed over every parameter but `sign`; notifications leave out `sign_type` too."""
        left_out = ("sign",) if request else ("sign", "sign_type")
        return "&".join(f"{key}={params[key]}" for key in sorted(params) if key not in left_out)

    def _answer(self, method: str, result: dict) -> tuple[int, dict, bytes]:
        inner = json.dumps(result, ensure_ascii=False, separators=(",", ":"))
        name = method.replace(".", "_") + "_response"
        body = f'{{"{name}":{inner},"sign":"{self.platform.sign(inner)}"}}'.encode()
        return 200, {"Content-Type": "application/json; charset=utf-8"}, body

    def handle(self, http_method, path, headers, body):
        params = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(path).query, keep_blank_values=True))
        method = params.get("method", "")
        self.requests.append((method, params))
        if params.get("app_id") != self.appid or params.get("sign_type") != "RSA2" or \
                not self.app.verifies(self.signing_string(params, request=True), params.get("sign", "")):
            self.rejected.append(method)
            return self._answer(method, {"code": "40002", "msg": "Invalid Arguments",
                                         "sub_code": "isv.invalid-signature", "sub_msg": "验签出错"})
        biz = json.loads(params.get("biz_content") or "{}")
        trade = self.trades.get(biz.get("out_trade_no", ""))
        if method == "alipay.trade.precreate":
            trade = self.trades.setdefault(biz["out_trade_no"], {
                "out_trade_no": biz["out_trade_no"], "total_amount": biz["total_amount"], "status": "WAIT_BUYER_PAY",
                "scanned": False, "qr_code": "https://qr.alipay.test/bax" + secrets.token_hex(8),
                "notify_url": params.get("notify_url")})
            return self._answer(method, {"code": "10000", "msg": "Success", "out_trade_no": biz["out_trade_no"],
                                         "qr_code": trade["qr_code"]})
        if trade is None or (method in ("alipay.trade.query", "alipay.trade.close") and not trade["scanned"]):
            return self._answer(method, {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST",
                                         "sub_msg": "交易不存在"})
        if method == "alipay.trade.query":
            return self._answer(method, {"code": "10000", "msg": "Success", "out_trade_no": trade["out_trade_no"],
                                         "trade_no": trade.get("trade_no", ""), "trade_status": trade["status"],
                                         "total_amount": trade["total_amount"],
                                         "send_pay_date": trade.get("gmt_payment", "")})
        if method == "alipay.trade.close":
            if trade["status"] != "WAIT_BUYER_PAY":
                return self._answer(method, {"code": "40004", "msg": "Business Failed",
                                             "sub_code": "ACQ.TRADE_STATUS_ERROR"})
            trade["status"] = "TRADE_CLOSED"
            return self._answer(method, {"code": "10000", "msg": "Success", "out_trade_no": trade["out_trade_no"]})
        if method == "alipay.trade.refund":
            if trade["status"] != "TRADE_SUCCESS" or float(biz["refund_amount"]) > float(trade["total_amount"]):
                return self._answer(method, {"code": "40004", "msg": "Business Failed",
                                             "sub_code": "ACQ.TRADE_STATUS_ERROR"})
            self.refunds.setdefault(biz.get("out_request_no", ""), biz["refund_amount"])
            return self._answer(method, {"code": "10000", "msg": "Success", "trade_no": trade["trade_no"],
                                         "out_trade_no": trade["out_trade_no"], "refund_fee": biz["refund_amount"],
                                         "fund_change": "Y"})
        return self._answer(method, {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.SYSTEM_ERROR"})

    def scan(self, out_trade_no: str) -> None:
        self.trades[out_trade_no]["scanned"] = True

    def pay(self, out_trade_no: str, *, when: dt.datetime | None = None) -> dict:
        trade = self.trades[out_trade_no]
        trade.update(scanned=True, status="TRADE_SUCCESS", trade_no="2025" + secrets.token_hex(10),
                     gmt_payment=(when or dt.datetime.now(CHINA)).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"))
        return trade

    def cancel(self, out_trade_no: str) -> None:
        self.trades[out_trade_no].update(scanned=True, status="TRADE_CLOSED")

    def notification(self, trade: dict, *, key: KeyPair | None = None, **changes) -> bytes:
        params = {"notify_id": secrets.token_hex(16), "notify_type": "trade_status_sync",
                  "notify_time": dt.datetime.now(CHINA).strftime("%Y-%m-%d %H:%M:%S"), "charset": "utf-8",
                  "version": "1.0", "app_id": self.appid, "out_trade_no": trade["out_trade_no"],
                  "trade_no": trade.get("trade_no", ""), "trade_status": trade["status"],
                  "total_amount": trade["total_amount"], "gmt_payment": trade.get("gmt_payment", ""),
                  "subject": "文章", "buyer_logon_id": "rea***@example.com"}
        params.update(changes)
        params["sign"] = (key or self.platform).sign(self.signing_string(params))
        params["sign_type"] = "RSA2"
        return urllib.parse.urlencode(params).encode()

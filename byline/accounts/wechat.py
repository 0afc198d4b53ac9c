"""WeChat website log-in ("snsapi_login") behind one interface, like the payment providers.

allauth's `weixin` provider runs the OAuth dance (state, callback, the social account, sign-up); it asks
this interface, through byline/accounts/weixin/, for the three things that talk to WeChat:
1. `authorize_url(app_id=, redirect_uri=, state=)`: the page with the QR code the reader scans;
2. `exchange_code(app_id=, secret=, code=)`: the code WeChat sent back to the callback, for an access
   token and the reader's openid (and unionid when the app has one);
3. `user_info(access_token=, openid=)`: the reader's nickname and avatar.
Each raises `WechatLoginError` for anything it cannot use; allauth then shows its error page.

`WECHAT_LOGIN` picks the implementation: "live" talks to open.weixin.qq.com; "fake" (demo and tests) never
leaves the machine: its QR page is Byline's own (accounts/views.wechat_fake_qr) and a "scan" there issues a
one-time code; "" turns WeChat sign-in off. Tests plug their own with `use_wechat_login`.
"""

from __future__ import annotations

import abc
import hashlib
import secrets
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse


class WechatLoginError(Exception):
    pass


class WechatLogin(abc.ABC):
    @abc.abstractmethod
    def authorize_url(self, *, app_id: str, redirect_uri: str, state: str) -> str: ...

    @abc.abstractmethod
    def exchange_code(self, *, app_id: str, secret: str, code: str) -> dict[str, Any]: ...

    @abc.abstractmethod
    def user_info(self, *, access_token: str, openid: str) -> dict[str, Any]: ...


class LiveWechatLogin(WechatLogin):
    AUTHORIZE_URL = "https://open.weixin.qq.com/connect/qrconnect"
    API_URL = "https://api.weixin.qq.com"
    TIMEOUT_S = 10

    def authorize_url(self, *, app_id: str, redirect_uri: str, state: str) -> str:
        query = urlencode({"appid": app_id, "redirect_uri": redirect_uri, "response_type": "code",
                           "scope": "snsapi_login", "state": state})
        return f"{self.AUTHORIZE_URL}?{query}#wechat_redirect"

    def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        import requests  # only the live provider needs it; allauth's social accounts install it

        try:
            response = requests.get(self.API_URL + path, params=params, timeout=self.TIMEOUT_S)
            response.encoding = "utf-8"  # WeChat omits the charset; nicknames are UTF-8
            data = response.json()
        except (requests.RequestException, ValueError) as error:
            raise WechatLoginError(f"WeChat did not answer: {error}") from error
        if not isinstance(data, dict) or data.get("errcode"):
            raise WechatLoginError(f"WeChat refused: {data!r}"[:300])
        return data

    def exchange_code(self, *, app_id: str, secret: str, code: str) -> dict[str, Any]:
        data = self._get("/sns/oauth2/access_token",
                         {"appid": app_id, "secret": secret, "code": code, "grant_type": "authorization_code"})
        if not data.get("access_token") or not data.get("openid"):
            raise WechatLoginError("WeChat sent no token")
        return data

    def user_info(self, *, access_token: str, openid: str) -> dict[str, Any]:
        return self._get("/sns/userinfo", {"access_token": access_token, "openid": openid})


class FakeWechatLogin(WechatLogin):
    """Offline WeChat: the QR page is Byline's own, and "scanning" it as a named phone user issues a code
    that is good once, for ten minutes, for that user (an openid derived from the name)."""

    CODE_SECONDS = 600

    def authorize_url(self, *, app_id: str, redirect_uri: str, state: str) -> str:
        return f"{reverse('accounts:wechat_fake_qr')}?{urlencode({'redirect_uri': redirect_uri, 'state': state})}"

    @staticmethod
    def openid_for(name: str) -> str:
        return "fake-" + hashlib.sha256(name.encode()).hexdigest()[:24]

    def scan(self, *, name: str) -> str:
        """What the phone does when its owner confirms: a code for the callback."""
        code = secrets.token_urlsafe(18)
        cache.set(f"wechat-fake:code:{code}", {"openid": self.openid_for(name), "nickname": name},
                  self.CODE_SECONDS)
        return code

    def exchange_code(self, *, app_id: str, secret: str, code: str) -> dict[str, Any]:
        key = f"wechat-fake:code:{code}"
        person = cache.get(key) if code and len(code) < 100 else None
        if person is None:
            raise WechatLoginError("unknown or used code")  # WeChat's errcode 40029
        cache.delete(key)
        token = secrets.token_urlsafe(18)
        cache.set(f"wechat-fake:token:{token}", person, self.CODE_SECONDS)
        return {"access_token": token, "openid": person["openid"], "expires_in": 7200, "scope": "snsapi_login"}

    def user_info(self, *, access_token: str, openid: str) -> dict[str, Any]:
        person = cache.get(f"wechat-fake:token:{access_token}")
        if person is None or person["openid"] != openid:
            raise WechatLoginError("invalid access token")
        return {"openid": openid, "nickname": person["nickname"], "headimgurl": "", "sex": 0}


IMPLEMENTATIONS: dict[str, type[WechatLogin]] = {"live": LiveWechatLogin, "fake": FakeWechatLogin}
_override: list[WechatLogin] = []


def enabled() -> bool:
    return bool(settings.WECHAT_LOGIN) or bool(_override)


def get_wechat_login() -> WechatLogin:
    if _override:
        return _override[0]
    if not settings.WECHAT_LOGIN:
        raise WechatLoginError("WeChat sign-in is off")
    return IMPLEMENTATIONS[settings.WECHAT_LOGIN]()


def use_wechat_login(implementation: WechatLogin | None) -> None:
    """Install (or with None remove) an implementation: tests use it to plug in fakes."""
    _override[:] = [] if implementation is None else [implementation]

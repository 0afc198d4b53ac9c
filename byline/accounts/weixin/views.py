from __future__ import annotations

import functools

from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.weixin.client import WeixinOAuth2Client
from allauth.socialaccount.providers.weixin.views import WeixinOAuth2Adapter
from django.http import Http404

from byline.accounts import wechat
from byline.accounts.wechat import WechatLoginError, get_wechat_login


class WechatClient(WeixinOAuth2Client):
    def get_redirect_url(self, authorization_url, scope, extra_params):
        try:
            return get_wechat_login().authorize_url(app_id=self.consumer_key, redirect_uri=self.callback_url,
                                                    state=self.state or "")
        except WechatLoginError as error:
            raise OAuth2Error(str(error)) from error

    def get_access_token(self, code, pkce_code_verifier=None):
        try:
            return get_wechat_login().exchange_code(app_id=self.consumer_key, secret=self.consumer_secret, code=code)
        except WechatLoginError as error:
            raise OAuth2Error(str(error)) from error


class WeixinLoginAdapter(WeixinOAuth2Adapter):
    client_class = WechatClient

    def complete_login(self, request, app, token, **kwargs):
        openid = (kwargs.get("response") or {}).get("openid", "")
        try:
            data = get_wechat_login().user_info(access_token=token.token, openid=openid)
        except WechatLoginError as error:
            raise OAuth2Error(str(error)) from error
        data.setdefault("openid", openid)
        return self.get_provider().sociallogin_from_response(request, data)


def _only_when_enabled(view):
    """With WeChat sign-in off there is no app to sign in with: the pages are not there (not a 500)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not wechat.enabled():
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


oauth2_login = _only_when_enabled(OAuth2LoginView.adapter_view(WeixinLoginAdapter))
oauth2_callback = _only_when_enabled(OAuth2CallbackView.adapter_view(WeixinLoginAdapter))

from allauth.socialaccount.providers.weixin.provider import WeixinProvider

from byline.accounts.weixin.views import WeixinLoginAdapter


class WeixinLoginProvider(WeixinProvider):
    package = "byline.accounts.weixin"  # allauth finds the URLs and views here
    oauth2_adapter_class = WeixinLoginAdapter

    def extract_uid(self, data):
        # The unionid is the same across a company's WeChat apps; the openid only within this one.
        return data.get("unionid") or data["openid"]


provider_classes = [WeixinLoginProvider]

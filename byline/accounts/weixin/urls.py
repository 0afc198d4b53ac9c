from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from byline.accounts.weixin.provider import WeixinLoginProvider

urlpatterns = default_urlpatterns(WeixinLoginProvider)

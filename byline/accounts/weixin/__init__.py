"""allauth's `weixin` provider, with its calls to WeChat made through byline/accounts/wechat.py (so the demo and
the tests sign in with an offline fake). Named in SOCIALACCOUNT_PROVIDERS["weixin"]["provider_class"]."""

from byline.accounts import wechat


def signin(request):
    """Whether the log-in and sign-up pages offer WeChat (a setting: no query)."""
    return {"WECHAT_LOGIN_ENABLED": wechat.enabled()}

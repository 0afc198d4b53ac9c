from tests.payments.conftest import no_proxy, qr_keys, wechat  # noqa: F401 - the WeChat Pay fake, for card tips

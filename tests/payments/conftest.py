from __future__ import annotations

import json
import time

import pytest
from django.conf import settings

from byline.payments.providers import sandbox, signing
from byline.payments.webhooks import receive_from_sandbox
from tests.ledger.conftest import funded_reader  # noqa: F401 - shared fixture


def signed(event: dict, *, secret: str | None = None, timestamp: int | None = None) -> tuple[bytes, dict]:
    body = json.dumps(event).encode()
    header = signing.sign(body, secret or settings.SANDBOX_WEBHOOK_SECRET, timestamp or int(time.time()))
    return body, {sandbox.SIGNATURE_HEADER: header}


@pytest.fixture
def failing_transport(monkeypatch):
    """The webhook endpoint is down: every delivery attempt fails until `up()` is called."""
    state = {"up": False, "calls": 0}

    def transport(body, headers):
        state["calls"] += 1
        if not state["up"]:
            return 503
        return receive_from_sandbox(body, headers)

    monkeypatch.setattr(sandbox, "transport", transport)
    state["up_fn"] = lambda: state.update(up=True)
    return state


@pytest.fixture
def stripe_http(settings):
    """Stripe as the configured provider, its SDK talking to the offline fake in test_stripe; returns the fake."""
    from byline.payments.providers import use_provider
    from byline.payments.providers.stripe import StripeProvider
    from tests.payments.test_stripe import SECRET, FakeStripeHTTP

    fake = FakeStripeHTTP()
    settings.PAYMENT_PROVIDER = "stripe"
    use_provider("stripe", StripeProvider(api_key="sk_test_fake", webhook_secret=SECRET, http_client=fake))
    yield fake
    use_provider("stripe", None)


# WeChat Pay and Alipay against local fakes (tests/payments/fakes.py), keys generated per session.

@pytest.fixture(scope="session")
def qr_keys():
    from tests.payments.fakes import KeyPair

    return {name: KeyPair.generate() for name in ("merchant", "wechat_platform", "alipay_app", "alipay_platform")}


@pytest.fixture
def no_proxy(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def wechat(qr_keys, no_proxy, settings):
    """A fake WeChat Pay server and the real provider (through wechatpayv3) pointed at it."""
    from byline.payments.providers import use_provider
    from byline.payments.providers.wechatpay import WeChatPayProvider
    from tests.payments.fakes import FakeWeChatPay

    fake = FakeWeChatPay(merchant=qr_keys["merchant"], platform=qr_keys["wechat_platform"])
    base_url = fake.start()
    settings.PAYMENT_METHODS = {"CNY": ["wechatpay", "alipay"]}
    fake.provider = WeChatPayProvider(values=fake.values(base_url), private_key=fake.merchant.private_pem,
                                      platform_public_key=fake.platform.public_pem, timeout=5)
    use_provider("wechatpay", fake.provider)
    yield fake
    use_provider("wechatpay", None)
    fake.stop()


@pytest.fixture
def alipay(qr_keys, no_proxy, settings):
    """A fake Alipay gateway and the real provider (through python-alipay-sdk) pointed at it."""
    from byline.payments.providers import use_provider
    from byline.payments.providers.alipay import AlipayProvider
    from tests.payments.fakes import FakeAlipay

    fake = FakeAlipay(app=qr_keys["alipay_app"], platform=qr_keys["alipay_platform"])
    base_url = fake.start()
    settings.PAYMENT_METHODS = {"CNY": ["wechatpay", "alipay"]}
    fake.provider = AlipayProvider(values=fake.values(base_url), private_key=fake.app.private_pem,
                                   alipay_public_key=fake.platform.public_pem, timeout=5)
    use_provider("alipay", fake.provider)
    yield fake
    use_provider("alipay", None)
    fake.stop()

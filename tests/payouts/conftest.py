"""Payout fixtures: writers who earned through real purchases, and payout methods set up as a writer would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from byline.payouts import services
from byline.payouts.models import MethodStatus
from byline.payouts.providers import sandbox
from byline.purchases.services import unlock_with_wallet
from tests.conftest import make_article, make_author, make_user
from tests.ledger.conftest import fund, new_key
from tests.payments import conftest as payments_fixtures

HOLD_PASSED = dt.timedelta(days=8)  # past the default 7-day hold


def later(delta: dt.timedelta = HOLD_PASSED) -> dt.datetime:
    return timezone.now() + delta


def sell(author, *, price: int = 1000, currency: str = "USD", reader=None):
    """A reader buys one of the author's articles from their wallet: the author earns 90% of `price`."""
    reader = reader or make_user()
    fund(reader, price, currency)
    article = make_article(author=author, price_minor=price, currency=currency)
    return unlock_with_wallet(reader=reader, article=article, idempotency_key=new_key())


def sandbox_method(writer, *, currency: str = "USD", email: str = "", schedule: str = "request"):
    """A sandbox payout account, set up through its onboarding page as a writer would."""
    if email:
        writer.email = email
        writer.save()
    method = services.set_up_method(writer=writer, provider="sandbox", currency=currency, schedule=schedule)
    services.start_onboarding(method=method, return_url="http://testserver/en/payouts/", state="s")
    sandbox.complete_onboarding(ref=method.account_ref)
    method = services.refresh_method(method=method)
    assert method.status == MethodStatus.READY
    return method


@pytest.fixture
def writer(db):
    return make_author("payee")


@pytest.fixture
def paid_writer(writer):
    """A writer with $90.00 earned from one $100.00 sale, and a ready sandbox payout account."""
    sell(writer, price=10000)
    sandbox_method(writer.user)
    return writer


# Stripe Connect, Alipay and WeChat Pay against local fakes (tests/payouts/fakes.py) -------------------------

STRIPE_PAYOUT_SECRET = "whsec_payouts_test"
qr_keys, no_proxy = payments_fixtures.qr_keys, payments_fixtures.no_proxy  # the payment tests' keys and no proxy


@pytest.fixture
def stripe_connect(settings):
    """Stripe offered for payouts, its SDK talking to the offline Connect fake; returns the fake."""
    from byline.payouts.providers import use_provider
    from byline.payouts.providers.stripe import StripeConnectPayouts
    from tests.payouts.fakes import FakeStripeConnect

    fake = FakeStripeConnect()
    settings.PAYOUT_PROVIDERS = ["stripe", "bank"]
    use_provider("stripe", StripeConnectPayouts(api_key=fake.api_key, webhook_secret=STRIPE_PAYOUT_SECRET,
                                                http_client=fake))
    yield fake
    use_provider("stripe", None)


@pytest.fixture
def alipay_transfers(qr_keys, no_proxy, settings):
    from byline.payouts.providers import use_provider
    from byline.payouts.providers.alipay import AlipayPayouts
    from tests.payouts.fakes import FakeAlipayTransfers

    fake = FakeAlipayTransfers(app=qr_keys["alipay_app"], platform=qr_keys["alipay_platform"])
    base_url = fake.start()
    settings.PAYOUT_PROVIDERS = ["alipay", "wechatpay", "bank"]
    use_provider("alipay", AlipayPayouts(values=fake.values(base_url), private_key=fake.app.private_pem,
                                         alipay_public_key=fake.platform.public_pem, timeout=5))
    yield fake
    use_provider("alipay", None)
    fake.stop()


@pytest.fixture
def wechat_transfers(qr_keys, no_proxy, settings):
    from byline.payouts.providers import use_provider
    from byline.payouts.providers.wechatpay import WeChatPayPayouts
    from tests.payouts.fakes import FakeWeChatTransfers

    fake = FakeWeChatTransfers(merchant=qr_keys["merchant"], platform=qr_keys["wechat_platform"])
    base_url = fake.start()
    settings.PAYOUT_PROVIDERS = ["alipay", "wechatpay", "bank"]
    settings.WECHATPAY_APP_SECRET, settings.WECHAT_OAUTH_API_URL = fake.app_secret, base_url
    use_provider("wechatpay", WeChatPayPayouts(values=fake.values(base_url), private_key=fake.merchant.private_pem,
                                               platform_public_key=fake.platform.public_pem, timeout=5))
    yield fake
    use_provider("wechatpay", None)
    fake.stop()

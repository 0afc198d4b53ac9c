"""The WeChat Pay QR page in Chinese, standard and caring version: screenshots, and the code decodes to code_url."""

import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from byline.payments import orders
from byline.payments.services import start_card_unlock
from byline.pricing.services import choose_currency
from tests.conftest import make_article, make_author, make_user
from tests.ledger.conftest import new_key
from tests.payments.conftest import no_proxy, qr_keys, wechat  # noqa: F401 - the fake WeChat Pay fixtures

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("wechat")]
ZBARIMG = "/usr/bin/zbarimg"


def decode(path: Path) -> str:
    return subprocess.run([ZBARIMG, "--quiet", "--raw", str(path)], capture_output=True, text=True,
                          check=True, timeout=30).stdout.strip()


@pytest.mark.parametrize("mode", ["standard", "caring"])
def test_the_wechat_pay_code_in_chinese_shows_the_amount_and_decodes_to_the_code_url(live_server, page,
                                                                                      screenshot_dir, mode):
    if not Path(ZBARIMG).exists():
        pytest.fail(f"{ZBARIMG} not found: run `make test`, which installs zbar-tools")
    article = make_article(author=make_author("essayist"), title="灯塔的账本", slug="lighthouse-ledger",
                           currency="CNY", price_minor=600)
    reader = make_user("qrreader")
    choose_currency(reader=reader, currency="CNY")  # WeChat Pay is offered to readers who pay in yuan
    checkout = start_card_unlock(reader=reader, article=article, idempotency_key=new_key(),
                                 success_url=live_server.url + "/zh-hans/payments/return/",
                                 cancel_url=live_server.url, method="wechatpay")
    with translation.override("zh-hans"):
        pay_url = reverse("payments:pay", kwargs={"reference": checkout.reference})
        login_url = reverse("accounts:login")
        caring_url = reverse("reader:switch_mode", args=["caring"])
    page.goto(live_server.url + login_url + "?next=" + pay_url)
    page.fill("input[name=username]", "qrreader")
    page.fill("input[name=password]", "a-long-test-password")
    page.locator("main form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url("**" + pay_url)
    if mode == "caring":
        page.goto(live_server.url + caring_url + "?next=" + pay_url)
        page.wait_for_url("**" + pay_url)
    assert page.locator("h1").inner_text() == "用微信支付付款"
    assert page.get_by_test_id("amount").inner_text() == "¥6.00"
    assert "灯塔的账本" in page.get_by_test_id("what").inner_text()
    expiry = page.get_by_test_id("expiry").inner_text()
    assert ("前有效" in expiry) if mode == "caring" else ("剩余付款时间" in expiry)
    assert page.get_by_role("button", name="我需要更多时间").is_visible()
    page.screenshot(path=str(screenshot_dir / f"wechatpay-qr-zh-{mode}.png"), full_page=True)
    qr_png = screenshot_dir / f"wechatpay-qr-zh-{mode}-code.png"
    page.get_by_test_id("pay-qr").locator("svg").screenshot(path=str(qr_png))
    assert decode(qr_png) == orders.current_order(checkout=checkout).code_url

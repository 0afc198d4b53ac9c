"""Alipay, offline: python-alipay-sdk talks to a local fake gateway that checks its RSA2 signatures;
notifications are signed with a key generated in the test."""

import urllib.parse

import pytest
from django.core.management import call_command
from django.urls import reverse

from byline.ledger.invariants import assert_balanced
from byline.payments import orders
from byline.payments.models import Checkout, CheckoutStatus, WebhookEvent
from byline.payments.providers.alipay import fen, yuan
from byline.payments.services import start_topup
from tests.ledger.conftest import balance, new_key
from tests.payments.fakes import KeyPair

pytestmark = pytest.mark.django_db
URL = "/payments/webhooks/alipay/"


def topup(reader, amount=5000, **extra):
    return start_topup(reader=reader, amount_minor=amount, currency="CNY", idempotency_key=new_key(),
                       success_url="https://byline.test/return/", cancel_url="https://byline.test/",
                       method="alipay", **extra)


def post(client, body):
    return client.post(URL, body, content_type="application/x-www-form-urlencoded")


def test_amounts_convert_between_fen_and_yuan_exactly():
    assert [yuan(1), yuan(5000), yuan(123456)] == ["0.01", "50.00", "1234.56"]
    assert [fen("0.01"), fen("50.00"), fen("1234.56")] == [1, 5000, 123456]
    assert [fen("0.001"), fen("-1"), fen("abc"), fen("NaN")] == [None, None, None, None]
    assert [fen("1e999999"), fen("1.000000000000000000000000000001")] == [None, None]  # no Overflow, no rounding


def test_an_alipay_top_up_precreates_a_qr_code_signed_with_rsa2(alipay, reader):
    checkout = topup(reader)
    order = orders.current_order(checkout=checkout)
    assert order.code_url.startswith("https://qr.alipay.test/bax") and not alipay.rejected
    method, params = alipay.requests[0]
    assert method == "alipay.trade.precreate" and params["sign_type"] == "RSA2"
    assert '"total_amount":"50.00"' in params["biz_content"] and checkout.reference in params["biz_content"]


def test_a_mobile_browser_goes_to_wap_pay_signed_for_the_gateway(alipay, reader):
    checkout = topup(reader, channel="mobile")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(checkout.redirect_url).query))
    assert query["method"] == "alipay.trade.wap.pay" and query["return_url"].startswith("https://byline.test/return/")
    assert alipay.app.verifies(alipay.signing_string(query, request=True), query["sign"])


def test_a_signed_notification_credits_the_wallet_once_and_is_answered_success(client, alipay, reader):
    checkout = topup(reader)
    body = alipay.notification(alipay.pay(checkout.provider_ref))
    first = post(client, body)
    assert first.status_code == 200 and first.content == b"success"
    assert post(client, body).content == b"success"
    finished = alipay.notification(alipay.trades[checkout.provider_ref], trade_status="TRADE_FINISHED")
    assert post(client, finished).content == b"success"  # a second event for the same trade: nothing more
    assert balance(reader, "CNY") == 5000 and WebhookEvent.objects.count() == 2
    assert Checkout.objects.get().status == CheckoutStatus.PAID
    assert_balanced()


@pytest.mark.parametrize("tamper", ["key", "signature", "amount", "app_id", "unsigned_field", "bad_amount"])
def test_a_tampered_or_mismatched_notification_credits_nothing(client, alipay, reader, tamper):
    checkout = topup(reader)
    trade = alipay.pay(checkout.provider_ref)
    if tamper == "key":
        body = alipay.notification(trade, key=KeyPair.generate())
    elif tamper == "amount":
        body = alipay.notification(trade, total_amount="0.01")
    elif tamper == "bad_amount":
        body = alipay.notification(trade, total_amount="50.001")
    elif tamper == "app_id":
        body = alipay.notification(trade, app_id="2021999999999999")
    else:
        body = alipay.notification(trade)
        params = dict(urllib.parse.parse_qsl(body.decode()))
        if tamper == "signature":
            params["sign"] = params["sign"][:-8] + "AAAAAAA="
        else:
            params["total_amount"] = "0.01"
        body = urllib.parse.urlencode(params).encode()
    response = post(client, body)
    assert response.status_code >= 400 and response.content != b"success"
    assert balance(reader, "CNY") == 0 and Checkout.objects.get().status == CheckoutStatus.OPEN


@pytest.mark.parametrize("body", [b"", b"sign=", b"%ff%fe=1", b"not a form", b"notify_id=1&sign=abc"])
def test_a_malformed_body_is_refused(client, alipay, reader, body):
    topup(reader)
    assert post(client, body).status_code == 400 and balance(reader, "CNY") == 0


def test_a_user_who_cancels_leaves_nothing_credited(alipay, reader):
    checkout = topup(reader)
    alipay.cancel(checkout.provider_ref)
    assert orders.check_checkout(checkout=checkout) == CheckoutStatus.OPEN
    assert orders.current_order(checkout=checkout).state == "closed" and balance(reader, "CNY") == 0


def test_when_the_notification_is_late_the_trade_query_credits_the_wallet(client, alipay, reader):
    checkout = topup(reader)
    client.force_login(reader)
    page = reverse("payments:pay", kwargs={"reference": checkout.reference})
    assert client.post(page, {"action": "check"}).status_code == 200  # not paid yet: the page says so
    alipay.pay(checkout.provider_ref)
    assert client.post(page, {"action": "check"}).status_code == 302
    assert balance(reader, "CNY") == 5000
    assert post(client, alipay.notification(alipay.trades[checkout.provider_ref])).content == b"success"
    assert balance(reader, "CNY") == 5000
    assert_balanced()


def test_more_time_closes_a_scanned_trade_and_precreates_a_fresh_one(alipay, reader):
    checkout = topup(reader)
    first = orders.current_order(checkout=checkout)
    alipay.scan(first.out_trade_no)
    fresh = orders.extend_order(checkout=checkout)
    assert alipay.trades[first.out_trade_no]["status"] == "TRADE_CLOSED"
    assert fresh.code_url != first.code_url and Checkout.objects.get().provider_ref == fresh.out_trade_no


def test_a_paid_trade_can_be_refunded_through_the_sdk(client, alipay, reader):
    checkout = topup(reader)
    post(client, alipay.notification(alipay.pay(checkout.provider_ref)))
    orders.refund_order(checkout=Checkout.objects.get(), amount_minor=1234, idempotency_key="refund-" + new_key())
    assert list(alipay.refunds.values()) == ["12.34"] and not alipay.rejected


def test_a_half_configured_provider_is_an_error_at_start_up(settings):
    settings.ALIPAY = {"APPID": "2021000000000001", "PRIVATE_KEY_FILE": "", "PUBLIC_KEY_FILE": "", "NOTIFY_URL": ""}
    settings.WECHATPAY = {"MCHID": "1900000109"}
    from byline.payments.checks import payment_providers_configured

    messages = [error.msg for error in payment_providers_configured()]
    assert any("alipay is half-configured: ALIPAY_PRIVATE_KEY_FILE is not set" in m for m in messages)
    assert any("WECHATPAY_APIV3_KEY is not set" in m for m in messages)
    with pytest.raises(Exception, match="half-configured"):
        call_command("check", fail_level="ERROR")


def test_a_fully_unconfigured_site_offers_the_sandbox_for_yuan(settings):
    from byline.payments.providers.config import methods_for

    settings.PAYMENT_METHODS, settings.WECHATPAY, settings.ALIPAY = {}, {}, {}
    assert methods_for("CNY") == [settings.PAYMENT_PROVIDER] and methods_for("USD") == [settings.PAYMENT_PROVIDER]

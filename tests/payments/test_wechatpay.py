"""WeChat Pay, offline: the wechatpayv3 SDK talks to a local fake that checks its signatures, and
notifications are signed and encrypted with keys generated in the test."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import translation

from byline.ledger.invariants import assert_balanced
from byline.payments import orders
from byline.payments.models import Checkout, CheckoutStatus, Reconciliation, WebhookEvent
from byline.payments.services import start_card_unlock, start_topup
from byline.pricing.services import choose_currency
from byline.purchases.models import Purchase
from tests.ledger.conftest import balance, new_key
from tests.payments.fakes import KeyPair

pytestmark = pytest.mark.django_db
URL = "/payments/webhooks/wechatpay/"


def topup(reader, amount=3000, **extra):
    return start_topup(reader=reader, amount_minor=amount, currency="CNY", idempotency_key=new_key(),
                       success_url="https://byline.test/return/", cancel_url="https://byline.test/",
                       method="wechatpay", **extra)


def post(client, body, headers):
    return client.post(URL, body, content_type="application/json",
                       **{"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()})


def paid_notification(wechat, checkout, **changes):
    order = wechat.pay(checkout.provider_ref)
    return wechat.notification(wechat.transaction(order, **changes))


def test_a_wechat_top_up_places_a_native_order_signed_by_the_merchant(wechat, reader):
    checkout = topup(reader)
    assert checkout.redirect_url == reverse("payments:pay", kwargs={"reference": checkout.reference})
    order = orders.current_order(checkout=checkout)
    assert order.out_trade_no == checkout.reference and order.code_url.startswith("weixin://wxpay/bizpayurl?pr=")
    sent = json.loads(wechat.requests[0][2])
    assert sent["amount"] == {"total": 3000, "currency": "CNY"} and sent["out_trade_no"] == checkout.reference
    assert sent["time_expire"].endswith("+08:00") and not wechat.rejected


def test_a_mobile_browser_gets_the_h5_page_with_the_way_back(wechat, reader):
    checkout = topup(reader, channel="mobile", client_ip="203.0.113.9")
    assert checkout.redirect_url.startswith("https://wx.tenpay.test/checkmweb?prepay_id=")
    assert "redirect_url=https%3A%2F%2Fbyline.test%2Freturn%2F" in checkout.redirect_url
    assert json.loads(wechat.requests[0][2])["scene_info"]["payer_client_ip"] == "203.0.113.9"


def test_a_request_signed_with_another_key_is_refused_by_the_fake_as_by_wechat(wechat, reader):
    wechat.merchant = KeyPair.generate()
    with pytest.raises(Exception, match="unavailable"):
        topup(reader)
    assert wechat.rejected and Checkout.objects.get().status == CheckoutStatus.FAILED


def test_a_signed_encrypted_notification_credits_the_wallet_once(client, wechat, reader):
    checkout = topup(reader)
    body, headers = paid_notification(wechat, checkout)
    first = post(client, body, headers)
    assert first.status_code == 204 and first.content == b""
    assert post(client, body, headers).status_code == 204  # WeChat sends it again: acknowledged, not acted on
    assert balance(reader, "CNY") == 3000
    assert Checkout.objects.get().status == CheckoutStatus.PAID and WebhookEvent.objects.count() == 1
    assert_balanced()


@pytest.mark.parametrize("tamper", ["signature", "key", "apiv3_key", "amount", "mchid", "appid", "stale", "body"])
def test_a_tampered_or_mismatched_notification_credits_nothing(client, wechat, reader, tamper):
    checkout = topup(reader)
    order = wechat.pay(checkout.provider_ref)
    resource = wechat.transaction(order)
    options = {}
    if tamper == "amount":
        resource["amount"]["total"] = 1
    elif tamper in ("mchid", "appid"):
        resource[tamper] = "someone-else"
    elif tamper == "key":
        options["key"] = KeyPair.generate()
    elif tamper == "apiv3_key":
        options["apiv3_key"] = "0" * 32
    elif tamper == "stale":
        options["timestamp"] = int(dt.datetime.now().timestamp()) - 3600
    body, headers = wechat.notification(resource, **options)
    if tamper == "signature":
        headers["Wechatpay-Signature"] = headers["Wechatpay-Signature"][:-8] + "AAAAAAA="
    if tamper == "body":
        body = body.replace(b'"TRANSACTION.SUCCESS"', b'"TRANSACTION.SUCCESS" ')
    response = post(client, body, headers)
    assert response.status_code >= 400 and response.json()["code"] == "FAIL"
    assert balance(reader, "CNY") == 0 and Checkout.objects.get().status == CheckoutStatus.OPEN


@pytest.mark.parametrize("body", [b"", b"{", b"[]", b'{"id": 1}', "非JSON".encode()])
def test_a_malformed_body_is_refused(client, wechat, reader, body):
    checkout = topup(reader)
    _, headers = paid_notification(wechat, checkout)
    assert post(client, body, headers).status_code == 400
    assert balance(reader, "CNY") == 0


def test_a_user_who_cancels_leaves_the_order_unpaid_and_nothing_credited(client, wechat, reader):
    checkout = topup(reader)
    wechat.cancel(checkout.provider_ref)
    assert orders.check_checkout(checkout=checkout) == CheckoutStatus.OPEN
    assert orders.current_order(checkout=checkout).state == "closed" and balance(reader, "CNY") == 0


def test_when_the_notification_never_comes_the_order_query_completes_the_purchase(client, wechat, reader,
                                                                                 paid_article):
    paid_article.currency, paid_article.price_minor = "CNY", 600
    paid_article.save()
    choose_currency(reader=reader, currency="CNY")  # WeChat Pay is offered to readers who pay in yuan
    client.force_login(reader)
    checkout = start_card_unlock(reader=reader, article=paid_article, idempotency_key=new_key(),
                                 success_url="https://byline.test/return/", cancel_url="https://byline.test/",
                                 method="wechatpay")
    wechat.pay(checkout.provider_ref)
    response = client.post(reverse("payments:pay", kwargs={"reference": checkout.reference}), {"action": "check"})
    assert response.status_code == 302 and "ref=" in response["Location"]
    assert Purchase.objects.filter(reader=reader, article=paid_article).exists()
    body, headers = wechat.notification(wechat.transaction(wechat.orders[checkout.provider_ref]))
    assert post(client, body, headers).status_code == 204  # the late notification changes nothing
    assert balance(reader, "CNY") == 0 and Purchase.objects.count() == 1
    assert_balanced()


def test_more_time_closes_the_old_code_and_a_late_payment_to_it_becomes_a_recorded_top_up(client, wechat, reader,
                                                                                         paid_article):
    paid_article.currency, paid_article.price_minor = "CNY", 600
    paid_article.save()
    choose_currency(reader=reader, currency="CNY")
    checkout = start_card_unlock(reader=reader, article=paid_article, idempotency_key=new_key(),
                                 success_url="https://byline.test/return/", cancel_url="https://byline.test/",
                                 method="wechatpay")
    first = orders.current_order(checkout=checkout)
    fresh = orders.extend_order(checkout=checkout)
    assert fresh.out_trade_no != first.out_trade_no and wechat.orders[first.out_trade_no]["state"] == "CLOSED"
    first.refresh_from_db()
    wechat.orders[first.out_trade_no]["state"] = "NOTPAY"  # the payer's app paid it a moment before it closed
    body, headers = wechat.notification(wechat.transaction(wechat.pay(first.out_trade_no)))
    assert post(client, body, headers).status_code == 204
    record = Reconciliation.objects.get()
    assert record.order == first and record.reason == "paid after the order was closed"
    assert balance(reader, "CNY") == 600 and not Purchase.objects.exists()
    assert_balanced()


def test_a_payment_after_the_code_expired_is_credited_as_a_top_up_with_a_record(client, wechat, reader):
    checkout = topup(reader)
    order = orders.current_order(checkout=checkout)
    late = wechat.pay(checkout.provider_ref, when=order.expires_at + dt.timedelta(minutes=5))
    body, headers = wechat.notification(wechat.transaction(late))
    assert post(client, body, headers).status_code == 204
    assert Reconciliation.objects.get().reason == "paid after the code expired"
    assert balance(reader, "CNY") == 3000 and Checkout.objects.get().status == CheckoutStatus.OPEN


def test_a_paid_order_can_be_refunded_through_the_sdk(client, wechat, reader):
    checkout = topup(reader)
    post(client, *paid_notification(wechat, checkout))
    refund_id = orders.refund_order(checkout=Checkout.objects.get(), idempotency_key="refund-" + new_key())
    assert refund_id.startswith("50000") and wechat.orders[checkout.provider_ref]["state"] == "REFUND"
    assert not wechat.rejected


def test_the_code_page_gives_the_expiry_in_beijing_time(client, wechat, reader):
    checkout = topup(reader)
    order = orders.current_order(checkout=checkout)
    client.force_login(reader)
    with translation.override("zh-hans"):
        page = client.get(reverse("payments:pay", kwargs={"reference": checkout.reference})).content.decode()
    beijing = (order.expires_at + dt.timedelta(hours=8)).strftime("%H:%M")
    assert f"此二维码在 {beijing}（北京时间）前有效。" in page

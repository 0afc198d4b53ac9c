"""Payouts through Stripe Connect, Alipay and WeChat Pay, each through its official SDK against a local fake that
checks requests and signs answers as the real service does; their notifications verified, tampered ones refused."""

import json
import time
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from byline.ledger.invariants import assert_balanced
from byline.payouts import selectors, services
from byline.payouts.models import MethodStatus, Payout, PayoutNotice, PayoutStatus
from tests.ledger.conftest import new_key
from tests.payouts.conftest import STRIPE_PAYOUT_SECRET, later, sell

pytestmark = pytest.mark.django_db
NOTICE = "/payouts/notices/{}/"


def request(writer, currency, amount=None):
    return services.request_payout(writer=writer.user, currency=currency, idempotency_key=new_key(),
                                   amount_minor=amount, now=later())


def available(writer, currency):
    return selectors.balance_of(writer=writer.user, currency=currency, now=later()).available


# Stripe Connect ---------------------------------------------------------------------------------------------------

def stripe_ready(writer, fake):
    method = services.set_up_method(writer=writer.user, provider="stripe", currency="USD")
    url = services.start_onboarding(method=method, return_url="https://byline.test/back/", state="s1")
    method.refresh_from_db()
    assert url == f"https://connect.stripe.test/setup/{method.account_ref}"
    link = next(form for verb, path, _h, form in fake.requests if path == "/v1/account_links")
    assert link["return_url"] == "https://byline.test/back/?state=s1"
    assert services.refresh_method(method=method).status == MethodStatus.SETTING_UP
    fake.finish_onboarding(method.account_ref)
    return services.finish_onboarding(method=method, query={})


def test_stripe_onboarding_creates_an_express_account_and_a_transfer_pays_it_once(writer, stripe_connect):
    sell(writer, price=10000)
    method = stripe_ready(writer, stripe_connect)
    assert method.status == MethodStatus.READY
    payout = request(writer, "USD")
    assert services.send_payout(payout=payout).status == PayoutStatus.PAID
    assert services.send_payout(payout=payout).status == PayoutStatus.PAID
    transfer, = stripe_connect.transfers.values()
    assert (transfer["amount"], transfer["destination"], transfer["transfer_group"]) == (
        9000, method.account_ref, payout.reference)
    posted = [r for r in stripe_connect.requests if r[0] == "post" and r[1] == "/v1/transfers"]
    assert posted[0][2]["Idempotency-Key"] == f"payout-{payout.reference}"
    assert_balanced()


def test_a_stripe_transfer_whose_answer_was_lost_is_found_by_its_group(writer, stripe_connect):
    sell(writer, price=10000)
    stripe_ready(writer, stripe_connect)
    payout = request(writer, "USD")
    from byline.payouts.providers import get_provider

    get_provider("stripe").send(services.order_for(payout))  # reached Stripe; the worker died before the ledger
    assert services.reconcile_payouts(now=timezone.now() + services.RECONCILE_AFTER) == {"paid": 1}
    assert len(stripe_connect.transfers) == 1 and available(writer, "USD") == 0
    assert_balanced()


def test_a_transfer_stripe_refuses_gives_the_money_back(writer, stripe_connect):
    sell(writer, price=10000)
    stripe_ready(writer, stripe_connect)
    stripe_connect.balance = 0
    payout = services.send_payout(payout=request(writer, "USD"))
    assert payout.status == PayoutStatus.FAILED and payout.failure_reason == "balance_insufficient"
    assert available(writer, "USD") == 9000


def test_a_signed_transfer_reversed_event_returns_the_payout_once(client, writer, stripe_connect):
    sell(writer, price=10000)
    stripe_ready(writer, stripe_connect)
    payout = services.send_payout(payout=request(writer, "USD"))
    transfer = stripe_connect.reverse(next(iter(stripe_connect.transfers)))
    body, headers = stripe_connect.event(transfer, event_type="transfer.reversed", secret=STRIPE_PAYOUT_SECRET)
    for _ in range(2):  # the second delivery is a duplicate
        assert client.post(NOTICE.format("stripe"), body, content_type="application/json",
                           headers=headers).status_code == 200
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.RETURNED and available(writer, "USD") == 9000
    assert PayoutNotice.objects.filter(outcome="duplicate").count() == 0 and PayoutNotice.objects.count() == 1
    assert_balanced()


@pytest.mark.parametrize("tamper", ["body", "old", "secret", "header"])
def test_stripe_notices_that_fail_verification_move_nothing(client, writer, stripe_connect, tamper):
    sell(writer, price=10000)
    stripe_ready(writer, stripe_connect)
    payout = services.send_payout(payout=request(writer, "USD"))
    transfer = stripe_connect.reverse(next(iter(stripe_connect.transfers)))
    body, headers = stripe_connect.event(
        transfer, event_type="transfer.reversed", secret="whsec_wrong" if tamper == "secret" else STRIPE_PAYOUT_SECRET,
        timestamp=int(time.time()) - 400 if tamper == "old" else None)
    if tamper == "body":
        body = body.replace(b'"reversed": true', b'"reversed": false')
    if tamper == "header":
        headers = {"Stripe-Signature": "t=1,v1=00"}
    assert client.post(NOTICE.format("stripe"), body, content_type="application/json",
                       headers=headers).status_code == 400
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PAID and not PayoutNotice.objects.exists()


def test_an_account_updated_event_makes_the_method_ready(client, writer, stripe_connect):
    method = services.set_up_method(writer=writer.user, provider="stripe", currency="USD")
    services.start_onboarding(method=method, return_url="https://byline.test/back/", state="s")
    method.refresh_from_db()
    stripe_connect.finish_onboarding(method.account_ref)
    body, headers = stripe_connect.event(stripe_connect.accounts[method.account_ref], event_type="account.updated",
                                         secret=STRIPE_PAYOUT_SECRET)
    assert client.post(NOTICE.format("stripe"), body, content_type="application/json",
                       headers=headers).status_code == 200
    method.refresh_from_db()
    assert method.status == MethodStatus.READY


# Alipay ----------------------------------------------------------------------------------------------------

def alipay_ready(writer, fake, name="林作者"):
    fake.accounts["writer@example.cn"] = "林作者"
    return services.set_up_method(writer=writer.user, provider="alipay", currency="CNY",
                                  account_ref="writer@example.cn", holder_name=name)


def test_an_alipay_transfer_is_signed_and_paid_once(writer, alipay_transfers):
    sell(writer, price=20000, currency="CNY")
    assert alipay_ready(writer, alipay_transfers).status == MethodStatus.READY
    payout = request(writer, "CNY")
    assert services.send_payout(payout=payout).status == PayoutStatus.PAID
    order, = alipay_transfers.transfers.values()
    assert (order["out_biz_no"], order["trans_amount"]) == (payout.reference, "180.00")
    assert payout.provider_ref == order["order_id"] and not alipay_transfers.rejected
    assert services.reconcile_payouts(now=timezone.now() + services.RECONCILE_AFTER) == {}
    assert_balanced()


def test_an_alipay_payee_whose_name_does_not_match_is_refused_and_repaid(writer, alipay_transfers):
    sell(writer, price=20000, currency="CNY")
    alipay_ready(writer, alipay_transfers, name="别人")
    payout = services.send_payout(payout=request(writer, "CNY"))
    assert payout.status == PayoutStatus.FAILED and payout.failure_reason == "PAYEE_USER_INFO_ERROR"
    assert available(writer, "CNY") == 18000


def test_alipay_refuses_a_request_signed_with_another_key(writer, alipay_transfers, qr_keys):
    from byline.payouts.providers.alipay import AlipayPayouts
    from byline.payouts.providers.base import PayoutOrder, PayoutProviderError

    wrong = AlipayPayouts(values=alipay_transfers.values(f"http://127.0.0.1:{alipay_transfers.server.server_port}"),
                          private_key=qr_keys["merchant"].private_pem,
                          alipay_public_key=alipay_transfers.platform.public_pem, timeout=5)
    with pytest.raises(PayoutProviderError):  # refused (40002), and answered without a usable signature
        wrong.send(PayoutOrder(reference="x1", amount_minor=100, currency="CNY", account_ref="a", holder_name="b"))
    assert alipay_transfers.rejected == ["alipay.fund.trans.uni.transfer"]


@pytest.mark.parametrize("tamper", ["amount", "key", "app", "unsigned"])
def test_alipay_order_changed_notices_that_fail_verification_are_refused(client, writer, alipay_transfers, qr_keys,
                                                                          tamper):
    sell(writer, price=20000, currency="CNY")
    alipay_ready(writer, alipay_transfers)
    payout = services.send_payout(payout=request(writer, "CNY"))
    order = dict(alipay_transfers.transfers[payout.reference], status="REFUND", fail_reason="收款账户冻结")
    changes = {"key": qr_keys["alipay_app"]} if tamper == "key" else {}
    if tamper == "app":
        changes["app_id"] = "2021000000009999"
    body = alipay_transfers.order_changed(order, **changes)
    if tamper == "amount":
        body = body.replace(b"REFUND", b"SUCCESS")
    if tamper == "unsigned":
        body = body.split(b"&sign=")[0]
    response = client.post(NOTICE.format("alipay"), body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and response.content == b"failure"
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PAID


def test_a_signed_alipay_refund_notice_returns_the_payout_and_a_replay_is_a_duplicate(client, writer,
                                                                                      alipay_transfers):
    sell(writer, price=20000, currency="CNY")
    alipay_ready(writer, alipay_transfers)
    payout = services.send_payout(payout=request(writer, "CNY"))
    body = alipay_transfers.order_changed(dict(alipay_transfers.transfers[payout.reference], status="REFUND",
                                               fail_reason="收款账户冻结"))
    for _ in range(2):
        response = client.post(NOTICE.format("alipay"), body, content_type="application/x-www-form-urlencoded")
        assert response.content == b"success"
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.RETURNED and available(writer, "CNY") == 18000
    assert PayoutNotice.objects.count() == 1
    assert_balanced()


# WeChat Pay ------------------------------------------------------------------------------------------------

def wechat_ready(client, writer, fake):
    """The writer opens the set-up link in WeChat; WeChat's sign-in sends them back with a code."""
    client.force_login(writer.user)
    response = client.post("/en/payouts/method/CNY/", {"provider": "wechatpay", "schedule": "request",
                                                       "holder_name": "林作者"})
    assert response.status_code == 302 and response["Location"].startswith("https://open.weixin.qq.com/")
    method = writer.user.payout_methods.get(status=MethodStatus.SETTING_UP)
    fake.codes["code123"] = "oWriter0penId"
    back = client.get(f"/en/payouts/methods/{method.pk}/return/", {"code": "code123",
                                                                   "state": state_in(response["Location"])})
    assert back.status_code == 302
    method.refresh_from_db()
    return method


def test_wechat_sign_in_names_the_openid_and_a_transfer_waits_for_the_writer_to_accept(client, writer,
                                                                                       wechat_transfers):
    sell(writer, price=300000, currency="CNY")  # ¥2,700 to the writer: WeChat wants the name, encrypted
    method = wechat_ready(client, writer, wechat_transfers)
    assert (method.status, method.account_ref) == (MethodStatus.READY, "oWriter0penId")
    payout = services.send_payout(payout=request(writer, "CNY"))
    assert payout.status == PayoutStatus.IN_FLIGHT and payout.payee_action.startswith("ABBQO")
    bill = wechat_transfers.bills[payout.reference]
    assert bill["user_name"] == "林作者" and bill["transfer_amount"] == 270000
    page = client.get("/en/payouts/")
    assert b"Open WeChat to accept this transfer." in page.content
    body, headers = wechat_transfers.bill_notice(wechat_transfers.confirm(payout.reference))
    assert client.post(NOTICE.format("wechatpay"), body, content_type="application/json",
                       headers=headers).status_code == 204
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PAID and payout.payee_action == ""
    assert_balanced()


def test_a_wechat_transfer_accepted_without_a_notice_is_settled_by_reconciliation(client, writer, wechat_transfers):
    sell(writer, price=20000, currency="CNY")
    wechat_ready(client, writer, wechat_transfers)
    payout = services.send_payout(payout=request(writer, "CNY"))
    wechat_transfers.confirm(payout.reference)
    assert services.reconcile_payouts(now=timezone.now() + services.RECONCILE_AFTER) == {"paid": 1}
    assert Payout.objects.get().status == PayoutStatus.PAID


@pytest.mark.parametrize("tamper", ["key", "apiv3", "old", "serial", "body"])
def test_wechat_bill_notices_that_fail_verification_are_refused(client, writer, wechat_transfers, qr_keys, tamper):
    sell(writer, price=20000, currency="CNY")
    wechat_ready(client, writer, wechat_transfers)
    payout = services.send_payout(payout=request(writer, "CNY"))
    bill = wechat_transfers.confirm(payout.reference)
    body, headers = wechat_transfers.bill_notice(
        bill, key=qr_keys["merchant"] if tamper == "key" else None,
        apiv3_key="0" * 32 if tamper == "apiv3" else None,
        timestamp=int(time.time()) - 400 if tamper == "old" else None)
    if tamper == "serial":
        headers["Wechatpay-Serial"] = "PUB_KEY_ID_OTHER"
    if tamper == "body":
        body = body.replace(b"MCHTRANSFER", b"MCHTRANSFEX")
    response = client.post(NOTICE.format("wechatpay"), body, content_type="application/json", headers=headers)
    assert response.status_code == 400 and json.loads(response.content)["code"] == "FAIL"
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.IN_FLIGHT


def state_in(url: str) -> str:
    return parse_qs(urlparse(url.split("#")[0]).query)["state"][0]


@pytest.mark.parametrize("forged", ["code", "state"])
def test_a_wrong_sign_in_code_or_a_state_from_another_browser_names_no_account(client, writer, wechat_transfers,
                                                                                forged):
    client.force_login(writer.user)
    started = client.post("/en/payouts/method/CNY/", {"provider": "wechatpay", "schedule": "request"})
    method = writer.user.payout_methods.get()
    wechat_transfers.codes["attacker-code"] = "oAttacker"  # an attacker's own code, pressed on this writer
    query = {"code": "forged" if forged == "code" else "attacker-code",
             "state": state_in(started["Location"]) if forged == "code" else str(method.pk)}
    response = client.get(f"/en/payouts/methods/{method.pk}/return/", query)
    assert response.status_code == 302
    method.refresh_from_db()
    assert method.account_ref == "" and method.status == MethodStatus.SETTING_UP

"""On PostgreSQL: twenty deliveries of one WeChat Pay / Alipay notification at once credit once."""

import pytest
from django.core.management import call_command

from byline.ledger.invariants import assert_balanced
from byline.payments.models import Checkout, CheckoutStatus, WebhookEvent
from byline.payments.services import start_topup
from byline.payments.webhooks import receive
from tests.conftest import make_user
from tests.ledger.conftest import balance, new_key
from tests.purchases.test_concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def topup(reader, method):
    return start_topup(reader=reader, amount_minor=3000, currency="CNY", idempotency_key=new_key(),
                       success_url="https://byline.test/return/", cancel_url="https://byline.test/", method=method)


def test_twenty_concurrent_wechat_notifications_credit_once(wechat):
    reader = make_user()
    checkout = topup(reader, "wechatpay")
    body, headers = wechat.notification(wechat.transaction(wechat.pay(checkout.provider_ref)))
    receipts = run_concurrently(20, lambda _: receive(provider_name="wechatpay", body=body, headers=headers))
    assert all(receipt.status == 200 for receipt in receipts)
    assert balance(reader, "CNY") == 3000 and WebhookEvent.objects.count() == 1
    assert Checkout.objects.get().status == CheckoutStatus.PAID
    assert_balanced()
    call_command("ledger_check")


def test_twenty_concurrent_alipay_notifications_and_queries_credit_once(alipay):
    from byline.payments import orders

    reader = make_user()
    checkout = topup(reader, "alipay")
    body = alipay.notification(alipay.pay(checkout.provider_ref))

    def deliver_or_query(index):
        if index % 2:
            return receive(provider_name="alipay", body=body, headers={}).status
        return orders.check_checkout(checkout=Checkout.objects.get(pk=checkout.pk)) and 200

    assert run_concurrently(20, deliver_or_query) == [200] * 20
    assert balance(reader, "CNY") == 3000 and Checkout.objects.get().status == CheckoutStatus.PAID
    assert_balanced()
    call_command("ledger_check")

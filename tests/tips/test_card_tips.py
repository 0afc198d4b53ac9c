"""Tips by card, WeChat Pay or Alipay for the exact amount: a checkout with the purpose "tip", fulfilled by
`payments.settlement.fulfil` as a TIP transfer under the checkout's key, once however often the provider tells us;
worded on the return page, the wallet and the receipts."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from byline.ledger.invariants import problems
from byline.ledger.models import AccountKind, Transfer, TransferKind
from byline.ledger.selectors import balance_of
from byline.payments.checkout import start_card_tip
from byline.payments.errors import PaymentRefused
from byline.payments.models import Checkout, SandboxPayment
from byline.payments.providers.base import Purpose
from byline.payments.webhooks import receive
from byline.pricing.services import choose_currency
from byline.tips import services
from byline.tips.errors import TipRefused
from byline.tips.models import Tip
from tests.conftest import make_user
from tests.ledger.conftest import balance, fund
from tests.payments.conftest import signed
from tests.payments.test_sandbox import _completed_event

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def deliver(checkout, event_id="evt_tip"):
    body, headers = signed(_completed_event(checkout, event_id))
    return receive(provider_name="sandbox", body=body, headers=headers)


def start(client, article, **form):
    return client.post(reverse("tips:by_card", args=[article.slug]),
                       {"idempotency_key": "card-1", "amount": "500", "message": "For the ending", **form})


def test_a_card_tip_charges_the_exact_amount_and_a_webhook_delivered_twice_tips_once(paid_article, author,
                                                                                       settings):
    settings.TIP_FEE_PERCENT = 10
    reader = make_user("cardtipper")
    fund(reader, 100)  # a balance does not change what the card pays: the tip's exact amount
    client = signed_in(reader)
    confirm = client.get(reverse("tips:confirm", args=[paid_article.slug]),
                         {"amount": "500", "message": "For the ending"}).content.decode()
    assert "Pay $5.00 by card" in confirm and "Your balance is too low for this tip." in confirm
    started = start(client, paid_article)
    assert started.status_code == 303
    checkout = Checkout.objects.get()
    assert (checkout.purpose, checkout.amount_minor, checkout.price_minor, checkout.article_id,
            checkout.tip_message) == (Purpose.TIP, 500, 500, paid_article.pk, "For the ending")
    assert started["Location"] == checkout.redirect_url
    assert start(client, paid_article)["Location"] == checkout.redirect_url  # a double click: one checkout
    clash = start(client, paid_article, amount="700")  # the same form key for another amount
    assert clash.status_code == 303 and Checkout.objects.count() == 1
    assert not Tip.objects.exists()

    assert deliver(checkout).status == 200
    assert deliver(checkout).status == 200  # the same event again
    assert deliver(checkout, "evt_tip_other_id").status == 200  # the provider sends it under another id
    tip = Tip.objects.get()
    assert (tip.amount_minor, tip.writer_share_minor, tip.fee_minor, tip.message) == (500, 450, 50, "For the ending")
    assert balance(reader) == 100 and balance_of(owner=author.user, kind=AccountKind.EARNINGS, currency="USD") == 450
    assert Transfer.objects.filter(kind=TransferKind.TIP).count() == 1
    assert problems() == []

    done = client.get(SandboxPayment.objects.get().success_url.replace("http://testserver", "")).content.decode()
    assert "Thank you for your tip" in done and f"You tipped {author.name} $5.00" in done
    assert reverse("tips:receipt", args=[tip.pk]) in done
    receipt = client.get(reverse("tips:receipt", args=[tip.pk])).content.decode()
    assert "Undo this tip" in receipt and 'data-testid="paid-with">Card<' in receipt
    wallet = client.get(reverse("purchases:wallet")).content.decode()
    assert f"Top-up by card, for a tip: {paid_article.title}" in wallet
    assert f"Tip to {author.name}: {paid_article.title}" in wallet
    checkout.refresh_from_db()
    topup = client.get(reverse("purchases:receipt", args=[checkout.credit_id])).content.decode()
    assert f"Top-up by card, for a tip: {paid_article.title}" in topup and "Added to your balance" in topup
    services.undo_tip(tipper=reader, tip_id=tip.pk)  # undone within the window: back to the wallet
    assert balance(reader) == 600 and problems() == []


def test_limits_self_tips_and_methods_that_cannot_charge_so_little(paid_article, author, settings):
    reader = make_user()
    for amount in (99, 20_001):
        with pytest.raises(TipRefused):
            start_card_tip(tipper=reader, article=paid_article, amount_minor=amount, currency="USD",
                           idempotency_key=f"l{amount}", success_url="http://testserver/r/",
                           cancel_url="http://testserver/")
    with pytest.raises(TipRefused):
        start_card_tip(tipper=author.user, article=paid_article, amount_minor=500, currency="USD",
                       idempotency_key="self", success_url="http://testserver/r/", cancel_url="http://testserver/")
    # Card networks charge at least ¥4.00: a ¥1 tip is offered from the balance only, and says why.
    choose_currency(reader=reader, currency="CNY")
    with pytest.raises(PaymentRefused):
        start_card_tip(tipper=reader, article=paid_article, amount_minor=100, currency="CNY",
                       idempotency_key="small", success_url="http://testserver/r/", cancel_url="http://testserver/")
    page = signed_in(reader).get(reverse("tips:confirm", args=[paid_article.slug]), {"amount": "100"}).content.decode()
    assert 'action="' + reverse("tips:by_card", args=[paid_article.slug]) not in page
    assert "Card takes tips of ¥4.00 or more." in page
    assert not Checkout.objects.exists()
    refused = signed_in(reader).post(reverse("tips:by_card", args=[paid_article.slug]),
                                     {"idempotency_key": "x", "amount": "²"})
    assert refused.status_code == 303 and not Checkout.objects.exists()
    too_long = signed_in(reader).post(reverse("tips:by_card", args=[paid_article.slug]),
                                      {"idempotency_key": "k" * 500, "amount": "1000", "message": "a\r\nb"})
    assert too_long.status_code == 303 and not Checkout.objects.exists()
    crlf = start_card_tip(tipper=reader, article=paid_article, amount_minor=1000, currency="CNY",
                          idempotency_key="crlf", message="Thank\r\nyou ", success_url="http://testserver/r/",
                          cancel_url="http://testserver/")
    assert crlf.tip_message == "Thank\nyou"


def test_a_tip_no_longer_possible_when_the_money_arrives_stays_in_the_wallet(paid_article, author):
    reader = make_user()
    client = signed_in(reader)
    start(client, paid_article)
    services.set_accepts_tips(author=author, accepts=False)
    checkout = Checkout.objects.get()
    assert deliver(checkout).status == 200
    assert not Tip.objects.exists() and balance(reader) == 500 and problems() == []
    done = client.get(reverse("payments:return"), {"ref": checkout.reference}).content.decode()
    assert "Your payment arrived, but the tip did not go through" in done


def test_a_wechat_pay_tip_shows_the_code_for_the_tip_and_a_repeated_notification_tips_once(wechat, paid_article,
                                                                                           author):
    reader = make_user()
    choose_currency(reader=reader, currency="CNY")
    client = signed_in(reader)
    confirm = client.get(reverse("tips:confirm", args=[paid_article.slug]), {"amount": "200"}).content.decode()
    assert 'data-testid="method-wechatpay"' in confirm and "Pay ¥2.00 with WeChat Pay" in confirm
    key = re.search(r'name="idempotency_key" value="([^"]+)"', confirm.split("tip-by-card")[1]).group(1)
    started = client.post(reverse("tips:by_card", args=[paid_article.slug]),
                          {"idempotency_key": key, "amount": "200", "method": "wechatpay"})
    checkout = Checkout.objects.get()
    assert started["Location"] == reverse("payments:pay", kwargs={"reference": checkout.reference})
    code_page = client.get(started["Location"]).content.decode()
    assert f"Tip to {author.name}: {paid_article.title}" in code_page and "¥2.00" in code_page
    body, headers = wechat.notification(wechat.transaction(wechat.pay(checkout.provider_ref)))
    for _ in range(2):
        assert client.post("/payments/webhooks/wechatpay/", body, content_type="application/json",
                           **{"HTTP_" + n.upper().replace("-", "_"): v for n, v in headers.items()}).status_code == 204
    tip = Tip.objects.get()
    assert (tip.amount_minor, tip.currency) == (200, "CNY") and balance(reader, "CNY") == 0
    receipt = client.get(reverse("tips:receipt", args=[tip.pk])).content.decode()
    assert 'data-testid="paid-with">WeChat Pay<' in receipt
    wallet = client.get(reverse("purchases:wallet")).content.decode()
    assert f"Top-up by WeChat Pay, for a tip: {paid_article.title}" in wallet
    assert problems() == []

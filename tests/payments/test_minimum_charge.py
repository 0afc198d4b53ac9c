"""Card providers refuse tiny charges: a card unlock is raised to the minimum (the rest stays in the wallet),
and a membership priced below it is refused with a clear message before anything is charged."""

import pytest
from django.urls import reverse
from django.utils import translation

from byline.ledger.invariants import assert_balanced
from byline.payments.models import Checkout
from byline.payments.providers import sandbox
from byline.payments.providers.base import CheckoutRequest, ProviderError, Purpose
from byline.payments.providers.sandbox import SandboxProvider
from byline.payments.services import PaymentRefused, card_amount_for, minimum_charge, start_card_membership
from byline.payments.webhooks import receive
from byline.purchases.models import MembershipPlan, Purchase
from tests.conftest import make_article
from tests.ledger.conftest import balance, fund, new_key
from tests.payments.test_stripe import completed, stripe_signed

pytestmark = pytest.mark.django_db


def test_stripe_and_the_sandbox_charge_cards_at_least_stripes_minimum_and_qr_methods_any_amount(settings):
    for method in ("stripe", "sandbox"):
        assert [minimum_charge(currency=c, method=method) for c in ("USD", "EUR", "GBP", "CNY")] == [50, 50, 30, 400]
    assert minimum_charge(currency="CNY", method="wechatpay") == 1
    assert minimum_charge(currency="CNY", method="alipay") == 1


def test_a_card_unlock_short_by_less_than_the_minimum_charges_the_minimum(reader, paid_article):
    fund(reader, 280)  # 20 cents short of $3.00
    assert card_amount_for(reader=reader, article=paid_article) == 50
    assert card_amount_for(reader=reader, article=paid_article, method="wechatpay") == 20


def test_the_confirmation_and_the_paywall_state_the_amount_actually_charged(client, reader, paid_article):
    fund(reader, 280)
    client.force_login(reader)
    page = client.get(reverse("purchases:unlock", args=[paid_article.slug])).content.decode()
    assert "Pay $0.50 by card" in page
    assert "Card payments start at $0.50, so that is what the card is charged; the $0.30 this article does not " \
           "need stays in your wallet." in page
    assert "Pay $0.50 by card" in client.get(paid_article.get_absolute_url()).content.decode()


def test_the_minimum_note_is_translated(client, reader, paid_article):
    fund(reader, 280)
    client.force_login(reader)
    with translation.override("zh-hans"):
        url = reverse("purchases:unlock", args=[paid_article.slug])
    page = client.get(url).content.decode()
    note = page[page.index('data-testid="card-minimum"'):]
    assert "Card payments start at" not in note[:400] and "$0.30" in note[:400]


def test_paying_the_minimum_by_sandbox_card_buys_the_article_and_keeps_the_rest_in_the_wallet(client, reader,
                                                                                            paid_article):
    fund(reader, 280)
    client.force_login(reader)
    response = client.post(reverse("purchases:unlock_by_card", args=[paid_article.slug]),
                           {"idempotency_key": new_key()})
    assert Checkout.objects.get().amount_minor == 50
    result = client.post(response["Location"], {"card_number": sandbox.SUCCESS})
    page = client.get(result["Location"]).content.decode()
    assert f"You bought “{paid_article.title}”" in page and "Your balance is $0.30." in page
    assert Purchase.objects.get().price_minor == 300 and balance(reader) == 30
    assert_balanced()


def test_stripe_is_asked_for_the_minimum_and_its_webhook_completes_the_purchase(stripe_http, reader, author):
    article = make_article(author=author, price_minor=40)  # cheaper than Stripe's minimum on its own
    from byline.payments.services import start_card_unlock

    checkout = start_card_unlock(reader=reader, article=article, idempotency_key=new_key(),
                                 success_url="https://b.test/r/", cancel_url="https://b.test/")
    form = stripe_http.requests[0][3]
    assert form["line_items[0][price_data][unit_amount]"] == "50" and checkout.amount_minor == 50
    body, headers = stripe_signed(completed(checkout))
    assert receive(provider_name="stripe", body=body, headers=headers).status == 200
    assert Purchase.objects.get().price_minor == 40 and balance(reader) == 10
    assert_balanced()


def test_a_card_membership_priced_below_the_minimum_is_refused_and_nothing_is_started(reader):
    plan = MembershipPlan.objects.create(name="Tiny", interval="month", price_minor=30, currency="USD")
    with pytest.raises(PaymentRefused) as refused:
        start_card_membership(reader=reader, plan=plan, idempotency_key=new_key(), success_url="http://t/r/",
                              cancel_url="http://t/")
    assert "Card payments start at $0.50" in refused.value.message
    assert not Checkout.objects.exists()


def test_the_membership_page_explains_the_refusal(client, reader):
    plan = MembershipPlan.objects.create(name="Tiny", interval="month", price_minor=30, currency="USD")
    client.force_login(reader)
    join = reverse("purchases:join", args=[plan.pk])
    assert "by card" not in client.get(join).content.decode()  # no button that could only be refused
    response = client.post(join, {"idempotency_key": new_key(), "method": "card"})
    assert response.status_code == 303 and response["Location"] == join
    assert "Card payments start at $0.50" in client.get(join).content.decode()


def test_the_sandbox_itself_refuses_a_charge_below_the_minimum():
    with pytest.raises(ProviderError):
        SandboxProvider().create_checkout(CheckoutRequest(
            reference="r1", amount_minor=49, currency="USD", purpose=Purpose.TOPUP, description="x",
            success_url="http://t/r/", cancel_url="http://t/"))
    assert not Checkout.objects.exists()

"""A gift paid by card while its price changes (the outside probe): between the confirmation and the
provider's payment, and a second card payment for the same gift (Back, pay again)."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from byline.articles.models import Article
from byline.gifts import services
from byline.gifts.models import GiftState
from byline.ledger.invariants import assert_balanced
from tests.conftest import make_user
from tests.ledger.conftest import balance, new_key

pytestmark = pytest.mark.django_db


PAID = 'data-testid="result">Your gift is paid for<'


def _pay(checkout, event_id):
    from byline.payments.webhooks import receive
    from tests.payments.conftest import signed
    from tests.payments.test_sandbox import _completed_event

    body, headers = signed(_completed_event(checkout, event_id))
    assert receive(provider_name="sandbox", body=body, headers=headers).status == 200
    checkout.refresh_from_db()
    return checkout


def _gift_to_pay_by_card(paid_article):
    """A signed-in buyer's unpaid gift of `paid_article`, with its card page and the card's return page (en)."""
    buyer = make_user()
    client = Client()
    client.force_login(buyer)
    gift = services.open_gift(buyer=buyer, order=services.article_order(article=paid_article),
                              idempotency_key=new_key())
    with translation.override("en"):
        return buyer, client, gift, reverse("purchases:gift_by_card", args=[gift.pk]), reverse("payments:return")


def test_a_price_raised_between_the_card_page_and_the_payment_keeps_the_money_in_the_wallet(paid_article):
    buyer, client, gift, card, back = _gift_to_pay_by_card(paid_article)
    price = gift.price_minor
    assert client.post(card, {"idempotency_key": new_key(), "quoted_price": str(price)}).status_code == 303
    checkout = gift.checkouts.get()
    Article.objects.filter(pk=paid_article.pk).update(price_minor=price * 2)
    _pay(checkout, "evt_raised")
    gift.refresh_from_db()
    assert gift.state == GiftState.AWAITING and balance(buyer) == checkout.amount_minor
    page = client.get(f"{back}?ref={checkout.reference}").content.decode()
    assert "the purchase did not go through" in page
    # Trying again is for the gift, not for buying the article for oneself.
    assert reverse("purchases:gift_confirm", args=[gift.pk]) in page
    assert reverse("purchases:unlock", args=[paid_article.slug]) not in page
    assert_balanced()


def test_a_second_card_payment_for_a_gift_already_paid_stays_in_the_wallet_and_says_so(paid_article):
    buyer, client, gift, card, back = _gift_to_pay_by_card(paid_article)
    price = gift.price_minor
    client.post(card, {"idempotency_key": new_key(), "quoted_price": str(price)})
    client.post(card, {"idempotency_key": new_key(), "quoted_price": str(price)})
    first, second = gift.checkouts.order_by("pk")
    _pay(first, "evt_one")
    _pay(second, "evt_two")
    gift.refresh_from_db()
    assert gift.state == GiftState.PAID and balance(buyer) == second.amount_minor
    assert PAID in client.get(f"{back}?ref={first.reference}").content.decode()
    page = client.get(f"{back}?ref={second.reference}").content.decode()
    assert PAID not in page and "the purchase did not go through" in page
    assert second.outcome.startswith("kept in wallet")
    assert_balanced()


def test_a_card_payment_arriving_after_the_gift_was_paid_from_the_wallet_stays_in_the_wallet(paid_article):
    from tests.ledger.conftest import fund

    buyer, client, gift, card, back = _gift_to_pay_by_card(paid_article)
    fund(buyer, 1000)
    with translation.override("en"):
        confirm = reverse("purchases:gift_confirm", args=[gift.pk])
    price = gift.price_minor
    client.post(card, {"idempotency_key": new_key(), "quoted_price": str(price), "top_up": "1"})
    checkout = gift.checkouts.get()
    # Back from the provider's page, and paid from the wallet after all.
    client.post(confirm, f"confirmed=yes&quoted_price={price}&idempotency_key={new_key()}\r\n",
                content_type="application/x-www-form-urlencoded")
    client.get(confirm)  # the wallet payment's message is shown once
    gift.refresh_from_db()
    assert gift.state == GiftState.PAID and balance(buyer) == 1000 - price
    _pay(checkout, "evt_late")
    assert balance(buyer) == 1000 - price + checkout.amount_minor
    page = client.get(f"{back}?ref={checkout.reference}").content.decode()
    assert PAID not in page and "the purchase did not go through" in page
    assert_balanced()

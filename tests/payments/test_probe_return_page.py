"""The page a reader lands on after paying by card says what the payment bought (found by the outside probe: a
whole collection or a writer subscription paid by card was worded "Your wallet is topped up: ¥65.00 was added
to your wallet. Your balance is ¥0.00", as if the money had gone nowhere)."""

import pytest
from django.test import Client
from django.urls import reverse

from byline.payments.models import Checkout
from byline.payments.providers import sandbox
from byline.purchases.models import Interval
from byline.subscriptions import services as subscriptions
from tests.collections.conftest import make_collection
from tests.ledger.conftest import new_key

pytestmark = pytest.mark.django_db


def _pay_by_card(reader, start_url: str, data: dict) -> str:
    client = Client()
    client.force_login(reader)
    started = client.post(start_url, {"idempotency_key": new_key(), **data})
    assert started.status_code == 303
    paid = client.post(started["Location"], {"card_number": sandbox.SUCCESS})
    assert paid.status_code == 302
    checkout = Checkout.objects.get(reader=reader)
    return client.get(reverse("payments:return") + f"?ref={checkout.reference}").content.decode()


def test_a_collection_paid_by_card_is_named_on_the_return_page(reader, author):
    collection, _parts = make_collection(author)
    page = _pay_by_card(reader, reverse("purchases:buy_collection_by_card", args=[collection.slug]),
                        {"quoted_price": "700"})
    assert "topped up" not in page
    assert collection.title in page and collection.get_absolute_url() in page


def test_a_writer_subscription_paid_by_card_is_named_on_the_return_page(reader, author):
    subscriptions.set_price(author=author, interval=Interval.MONTH, currency="USD", price_minor=500)
    page = _pay_by_card(reader, reverse("purchases:subscribe_by_card", args=[author.slug]),
                        {"interval": "month", "quoted_price": "500"})
    assert "topped up" not in page
    assert author.name in page and reverse("subscriptions:mine") in page

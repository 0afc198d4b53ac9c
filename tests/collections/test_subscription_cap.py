"""Never pay more than subscribing: a whole collection costs at most its writer's monthly subscription price
in that currency. The studio refuses a higher price; a collection priced before the writer lowered their
monthly price (or a converted price) is charged at most that, and every page that states it says so."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from byline.collections import selectors
from byline.collections import services as collections
from byline.collections.models import Collection
from byline.gifts import services as gifts
from byline.ledger.invariants import assert_balanced
from byline.purchases import services as purchases
from byline.purchases.models import Interval
from byline.subscriptions import services as subscriptions
from tests.collections.conftest import make_collection
from tests.conftest import make_author
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db


def test_the_studio_refuses_a_collection_price_above_the_writers_monthly_price(client, author):
    subscriptions.set_price(author=author, interval=Interval.MONTH, currency="USD", price_minor=500)
    client.force_login(author.user)
    url = reverse("collection_studio:new")
    form = client.get(url).content.decode()
    assert "At most your monthly subscription price" in form
    refused = client.post(url, {"title": "Too dear", "price": "5.01", "currency": "USD"})
    assert refused.status_code == 400
    assert "This is more than your monthly subscription ($5.00)" in refused.content.decode()
    assert client.post(url, {"title": "Fair", "price": "5", "currency": "USD"}).status_code == 303
    assert Collection.objects.get().price_minor == 500


def test_a_collection_dearer_than_a_later_monthly_price_is_charged_at_most_that(client, series, reader):
    collection, parts = series  # 700 for three parts
    subscriptions.set_price(author=collection.author, interval=Interval.MONTH, currency="USD", price_minor=500)
    fund(reader, 2000)
    purchases.unlock_with_wallet(reader=reader, article=parts[0], idempotency_key=new_key())
    terms = selectors.quote(reader=reader, collection=collection, currency="USD")
    assert (terms.price, terms.list_price, terms.capped, terms.to_pay) == (500, 700, True, 200)
    client.force_login(reader)
    page = client.get(collection.get_absolute_url()).content.decode()
    assert "Listed at $7.00, but never more than a month’s subscription" in page and "you pay $2.00" in page
    confirm = client.get(reverse("purchases:buy_collection", args=[collection.slug])).content.decode()
    assert 'data-testid="collection-capped"' in confirm
    paywall = client.get(parts[1].get_absolute_url()).content.decode()
    assert "Whole collection $5.00 — you pay $2.00" in paywall
    assert "Never more than a month’s subscription to" in paywall
    bought = collections.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key(),
                                         quoted_minor=200)
    assert (bought.price_minor, bought.paid_minor) == (500, 200) and balance(reader) == 2000 - 300 - 200
    assert gifts.price_of(gifts.collection_order(collection=collection), "USD") == 500
    api = client.get(f"/api/v1/collections/{collection.slug}").json()
    assert api["price_minor"] == 500 and api["prices"]["USD"] == 500
    assert_balanced()


def _listed_queries(client) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/collections?limit=50").json()
    return len(queries.captured_queries), body


def test_the_api_collection_list_reads_the_writers_monthly_prices_in_a_fixed_number_of_queries(client):
    """The cap needs each writer's monthly prices: read for the whole page at once, so a page of ten collections
    (by ten writers, one of them capped) costs the queries of a page of one."""
    writers = [make_author() for _ in range(10)]
    make_collection(writers[0], slug="capped-0")
    subscriptions.set_price(author=writers[0], interval=Interval.MONTH, currency="USD", price_minor=500)
    client.get("/api/v1/collections")  # warm what is read once per process (the site's currencies)
    one, body = _listed_queries(client)
    assert body["count"] == 1 and body["items"][0]["prices"]["USD"] == 500 and body["items"][0]["part_count"] == 3
    for index, writer in enumerate(writers[1:], start=1):
        make_collection(writer, slug=f"capped-{index}", parts=index % 3 + 1)
    ten, body = _listed_queries(client)
    assert body["count"] == 10 and one == ten, (one, ten)
    by_slug = {item["slug"]: item for item in body["items"]}
    assert by_slug["capped-0"]["prices"]["USD"] == 500 and by_slug["capped-1"]["prices"]["USD"] == 700
    assert [by_slug[f"capped-{i}"]["part_count"] for i in range(1, 4)] == [2, 3, 1]

"""The collection's pages as a reader and its author meet them: the collection page, the paywall's offer,
"Part N of M", the confirmation, the undo and the studio's list/create/order pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from byline.collections.models import CollectionItem, CollectionPurchase
from byline.ledger.invariants import assert_balanced
from byline.purchases import services as purchases
from tests.conftest import LOCKED_SENTINEL
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_of_two(series, reader):
    collection, parts = series
    fund(reader, 2000)
    for part in parts[:2]:
        purchases.unlock_with_wallet(reader=reader, article=part, idempotency_key=new_key())
    return reader


def test_a_part_shows_part_n_of_m_with_previous_and_next(client, series):
    _collection, parts = series
    page = client.get(parts[1].get_absolute_url()).content.decode()
    assert "Part 2 of 3" in page
    assert parts[0].get_absolute_url() in page and parts[2].get_absolute_url() in page


def test_the_paywall_says_what_the_owner_of_two_parts_pays(client, series, owner_of_two):
    _collection, parts = series
    client.force_login(owner_of_two)
    page = client.get(parts[2].get_absolute_url()).content.decode()
    assert "Whole collection $7.00 — you pay $1.00, 2 parts already yours." in page
    assert LOCKED_SENTINEL not in page


def test_the_collection_page_lists_parts_with_the_readers_progress(client, series, owner_of_two):
    collection, _parts = series
    client.force_login(owner_of_two)
    page = client.get(collection.get_absolute_url()).content.decode()
    assert "2 of 3 parts are yours to read." in page
    assert "you pay $1.00" in page
    assert LOCKED_SENTINEL not in page


def test_the_collection_page_in_chinese(client, series):
    collection, _parts = series
    response = client.get(f"/zh-hans/collections/{collection.slug}/")
    assert response.status_code == 200


def test_confirm_then_buy_from_the_wallet_posts_redirect_gets(client, series, owner_of_two):
    collection, parts = series
    client.force_login(owner_of_two)
    url = reverse("purchases:buy_collection", args=[collection.slug])
    page = client.get(url).content.decode()
    assert "$1.00" in page and "$14.00" in page and "$13.00" in page
    key = new_key()
    form = {"idempotency_key": key, "confirmed": "yes", "quoted_price": "100", "currency": "USD"}
    first = client.post(url, form)
    again = client.post(url, form)
    assert first.status_code == 303 and again.status_code == 303
    assert CollectionPurchase.objects.count() == 1 and balance(owner_of_two) == 1300
    assert LOCKED_SENTINEL in client.get(parts[2].get_absolute_url()).content.decode()
    assert_balanced()


def test_undo_from_the_collection_page(client, series, owner_of_two):
    collection, _parts = series
    client.force_login(owner_of_two)
    client.post(reverse("purchases:buy_collection", args=[collection.slug]),
                {"idempotency_key": new_key(), "confirmed": "yes", "quoted_price": "100"})
    bought = CollectionPurchase.objects.get()
    response = client.post(reverse("collections:undo", args=[bought.pk]))
    assert response.status_code == 303 and balance(owner_of_two) == 1400


def test_the_author_creates_and_orders_a_collection_without_javascript(client, author):
    from tests.conftest import make_article

    first = make_article(author=author, title="First piece")
    second = make_article(author=author, title="Second piece")
    client.force_login(author.user)
    response = client.post(reverse("collection_studio:new"), {
        "title": "Tea\r\nroads", "description": "Line one\r\nLine two", "price": "29", "currency": "CNY",
        "includes_later": "on"})
    assert response.status_code == 303
    edit = response["Location"]
    pk = int(edit.rstrip("/").split("/")[-1])
    parts = reverse("collection_studio:parts", args=[pk])
    for article in (first, second):
        client.post(parts, {"action": "add", "article": str(article.pk)})
    client.post(parts, {"action": "up", "article": str(second.pk)})
    order = list(CollectionItem.objects.filter(collection_id=pk).order_by("position")
                 .values_list("article_id", flat=True))
    assert order == [second.pk, first.pk]
    assert client.get(edit).status_code == 200
    assert client.get(reverse("collection_studio:index")).status_code == 200


def test_a_bad_price_is_a_form_error(client, author):
    client.force_login(author.user)
    response = client.post(reverse("collection_studio:new"), {"title": "X", "price": "1.234", "currency": "USD"})
    assert response.status_code == 400


def test_a_collection_feed_carries_previews_only(client, series):
    collection, parts = series
    feed = client.get(reverse("feeds:collection_rss", args=[collection.slug])).content.decode()
    assert parts[0].title in feed and LOCKED_SENTINEL not in feed


def test_the_cached_anonymous_page_follows_a_change_of_the_collection(client, series, author):
    from byline.collections import services
    from tests.conftest import make_article

    collection, parts = series
    assert "Part 1 of 3" in client.get(parts[0].get_absolute_url()).content.decode()
    assert "Part 1 of 3" in client.get(parts[0].get_absolute_url()).content.decode()  # from the page cache
    services.add_article(collection=collection, article=make_article(author=author))
    assert "Part 1 of 4" in client.get(parts[0].get_absolute_url()).content.decode()
    services.move_article(collection=collection, article_id=parts[0].pk, up=False)
    assert "Part 2 of 4" in client.get(parts[0].get_absolute_url()).content.decode()


def test_the_api_lists_and_shows_a_collection_with_the_readers_quote(client, series, owner_of_two):
    collection, parts = series
    listed = client.get("/api/v1/collections").json()
    assert listed["items"][0]["slug"] == collection.slug and listed["items"][0]["part_count"] == 3
    client.force_login(owner_of_two)
    shown = client.get(f"/api/v1/collections/{collection.slug}").json()
    assert [p["slug"] for p in shown["parts"]] == [p.slug for p in parts]
    assert shown["readable_parts"] == [parts[0].slug, parts[1].slug]
    assert shown["quote"]["to_pay_minor"] == 100 and shown["owned"] is False
    assert LOCKED_SENTINEL not in str(shown)


def test_the_api_answers_problem_json_for_an_unknown_collection(client):
    response = client.get("/api/v1/collections/no-such-thing")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/problem+json")
    assert client.get("/api/v1/collections/bad%20slug").status_code in (404, 422)


def test_the_wallet_words_a_collection_purchase_and_its_undo(client, series, reader):
    from byline.collections import services

    collection, _parts = series
    fund(reader, 2000)
    bought = services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key())
    services.undo_collection_purchase(reader=reader, purchase_id=bought.pk)
    client.force_login(reader)
    page = client.get(reverse("purchases:wallet")).content.decode()
    assert "Collection: The harbour series" in page and "Collection undone: The harbour series" in page


def test_search_finds_the_collection_by_its_title(client, series):
    collection, _parts = series
    page = client.get(reverse("search:search"), {"q": "harbour series"}).content.decode()
    assert collection.get_absolute_url() in page


def test_the_studio_form_sets_an_own_price_per_currency_which_readers_there_pay(author):
    from django.test import Client

    from byline.collections.models import Collection
    from byline.pricing.conversion import sold_currencies

    if "CNY" not in sold_currencies():
        pytest.skip("the site sells no CNY")
    client = Client()
    client.force_login(author.user)
    form = {"title": "Tea roads\r\n", "slug": "tea-roads", "description": "Line one\r\nline two", "price": "7",
            "currency": "USD", "price_cny": "29", "includes_later": "on"}
    assert client.post("/en/write/collections/new/", {**form, "price_cny": "2.999"}).status_code == 400
    saved = client.post("/en/write/collections/new/", form)
    assert saved.status_code == 303
    collection = Collection.objects.get(slug="tea-roads")
    assert collection.prices == {"CNY": 2900} and collection.price_in("CNY") == 2900
    page = client.get(saved["Location"]).content.decode()
    assert 'name="price_cny"' in page and 'value="29.00"' in page
    changed = client.post(saved["Location"], {**form, "price_cny": ""})
    assert changed.status_code == 303
    collection.refresh_from_db()
    assert collection.prices == {}

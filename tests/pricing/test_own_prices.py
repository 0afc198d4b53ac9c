"""Authors price in each currency the site sells, or leave it to the conversion: admin, API and importer."""

import json
import textwrap

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from byline.articles.models import Article
from tests.api.conftest import bearer, token_for
from tests.articles.test_admin import form_data
from tests.conftest import make_article, make_author, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer_client(client):
    from byline.articles.demo import authors_group

    author = make_author("pricewriter")
    author.user.is_staff = True
    author.user.save()
    author.user.groups.add(authors_group())
    client.force_login(author.user)
    client.author = author
    return client


def test_an_author_sets_an_own_yuan_price_in_the_admin_and_leaves_euros_converted(writer_client):
    response = writer_client.post(reverse("admin:articles_article_add"), form_data(
        writer_client.author, price_cny="18", price_eur=""))
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get(slug="lanterns-qinhuai")
    assert article.prices == {"CNY": 1800}
    assert (article.price_in("USD"), article.price_in("CNY"), article.price_in("EUR")) == (250, 1800, 250)
    change = writer_client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    assert 'name="price_cny" value="18.00"' in change


def test_a_bad_own_price_is_shown_in_the_admin_and_nothing_is_saved(writer_client):
    response = writer_client.post(reverse("admin:articles_article_add"), form_data(
        writer_client.author, price_cny="18.123"))
    assert response.status_code == 200 and "more decimals than CNY allows" in response.content.decode()
    assert not Article.objects.exists()


def test_the_api_lists_the_price_in_every_currency_and_takes_own_prices(author):
    article = make_article(author=author, price_minor=300, currency="USD")
    public = Client().get(f"/api/v1/articles/{article.slug}").json()
    assert public["prices"] == {"USD": 300, "EUR": 299, "CNY": 2500}
    token = token_for(author.user)
    priced = Client().put(f"/api/v1/articles/{article.slug}/price", data=json.dumps(
        {"visibility": "paid", "price_minor": 300, "currency": "USD", "own_prices": {"CNY": 1800}}),
        content_type="application/json", **bearer(token))
    assert priced.status_code == 200, priced.content
    assert priced.json()["own_prices"] == {"CNY": 1800} and priced.json()["prices"]["CNY"] == 1800
    bad = Client().put(f"/api/v1/articles/{article.slug}/price", data=json.dumps(
        {"visibility": "paid", "price_minor": 300, "own_prices": {"JPY": 100}}),
        content_type="application/json", **bearer(token))
    assert bad.status_code == 422 and bad["Content-Type"] == "application/problem+json"


def test_the_importer_takes_own_prices_and_names_a_bad_one(tmp_path):
    make_author("importer2")
    make_topic("history")
    front = """
        title: "Salt roads"
        slug: salt-roads
        lang: en
        topic: history
        author: importer2
        price: "3.50"
        currency: USD
        prices: {CNY: "25", EUR: "3.20"}
        published: 2026-10-04T08:30:00Z
    """
    path = tmp_path / "a.md"
    path.write_text("---\n" + textwrap.dedent(front).strip() + "\n---\nA preview.\n\n<!-- paywall -->\n\nThe rest.",
                    encoding="utf-8")
    call_command("import_articles", str(path))
    assert Article.objects.get().prices == {"CNY": 2500, "EUR": 320}
    path.write_text(path.read_text(encoding="utf-8").replace('CNY: "25"', 'XYZ: "25"'), encoding="utf-8")
    with pytest.raises(CommandError, match="prices"):
        call_command("import_articles", str(path))

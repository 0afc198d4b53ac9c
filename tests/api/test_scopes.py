"""Token scopes: a token does what its scopes allow and nothing else, endpoint by endpoint; tokens are
scoped when made, least privilege first; the private feed keeps its own secret."""

import importlib
import json
import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from byline.api.endpoints import api
from byline.api.models import ApiToken, PrivateFeedKey, Scope
from byline.api.services import create_api_token
from byline.purchases.services import unlock_with_wallet
from tests.api.conftest import bearer, token_for
from tests.conftest import LOCKED_ONLY_WORD, LOCKED_SENTINEL, make_article, make_topic, make_user
from tests.ledger.conftest import fund

pytestmark = pytest.mark.django_db

BODIES = {
    ("POST", "/articles"): {"title": "Scoped", "slug": "scoped", "lang": "en", "topic": "history",
                            "body_markdown": "Text.", "visibility": "free", "price_minor": 0, "currency": "USD"},
    ("PATCH", "/articles/{slug}"): {"title": "Changed"},
    ("PUT", "/articles/{slug}/price"): {"visibility": "paid", "price_minor": 300, "currency": "USD"},
    ("POST", "/articles/{slug}/publish"): {},
    ("POST", "/articles/{slug}/comments"): {"body": "A scoped comment."},
}


def operations():
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    yield method, path, operation.view_func


def _collection_of(article):
    from byline.collections import selectors, services

    found = selectors.collection_of(article)
    if found is None:
        found = services.save_collection(author=article.author, title="Scoped series", slug=f"series-{article.pk}",
                                         description="", price_minor=700, currency="USD", prices={},
                                         includes_later=True)
        services.add_article(collection=found, article=article)
    return found


def call(method: str, path: str, article, token: str):
    body = BODIES.get((method, path))
    slug = {"topics": article.topic.slug, "authors": article.author.slug}.get(path.split("/")[1], article.slug)
    if path == "/collections/{slug}":
        slug = _collection_of(article).slug
    url = "/api/v1" + path.replace("{slug}", slug)
    if method == "GET":
        return Client().get(url + ("?q=harbour" if path == "/search" else ""), **bearer(token))
    return Client().generic(method, url, json.dumps(body), content_type="application/json", **bearer(token))


def test_every_operation_names_the_scope_it_needs():
    assert {str(getattr(view, "required_scope", "none")) for _m, _p, view in operations()} <= set(Scope.values)
    assert all(hasattr(view, "required_scope") for _m, _p, view in operations())


@pytest.mark.parametrize("method, path, view", list(operations()), ids=lambda v: getattr(v, "__name__", str(v)))
def test_a_token_without_the_operations_scope_is_refused_naming_it(author, method, path, view):
    make_topic("history")
    article = make_article(author=author)
    needed = view.required_scope
    without = token_for(author.user, scopes=[s for s in Scope.values if s != needed])
    refused = call(method, path, article, without)
    assert refused.status_code == 403 and refused["Content-Type"] == "application/problem+json"
    assert refused.json()["required_scope"] == needed and needed in refused.json()["detail"]
    allowed = call(method, path, article, token_for(author.user, scopes=[needed]))
    assert allowed.status_code in (200, 201), allowed.content


def test_a_read_token_answers_what_anyone_may_read_even_for_an_entitled_owner(author):
    article = make_article(author=author)
    reader = make_user()
    fund(reader, 1000)
    unlock_with_wallet(reader=reader, article=article, idempotency_key="bought")
    reading = token_for(reader, scopes=[Scope.READ])
    detail = Client().get(f"/api/v1/articles/{article.slug}", **bearer(reading)).json()
    assert detail["locked_html"] is None and detail["access"]["allowed"] is False
    assert LOCKED_SENTINEL not in json.dumps(detail)
    found = Client().get(f"/api/v1/search?q={LOCKED_ONLY_WORD}", **bearer(reading)).json()
    assert found["count"] == 0
    private = token_for(reader, scopes=[Scope.READ, Scope.READ_PRIVATE])
    assert LOCKED_SENTINEL in Client().get(f"/api/v1/articles/{article.slug}", **bearer(private)).json()["locked_html"]
    assert Client().get(f"/api/v1/search?q={LOCKED_ONLY_WORD}", **bearer(private)).json()["count"] == 1


def test_a_write_token_without_read_private_still_reads_back_its_own_article_in_full(author):
    make_topic("history")
    writing = token_for(author.user, scopes=[Scope.WRITE_ARTICLES])
    created = Client().post("/api/v1/articles", json.dumps({**BODIES[("POST", "/articles")], "visibility": "paid",
                                                            "price_minor": 300, "body_markdown":
                                                            "Free.\n\n<!-- paywall -->\n\nPaid words."}),
                            content_type="application/json", **bearer(writing))
    assert created.status_code == 201 and "Paid words" in created.json()["locked_html"]


def test_a_session_may_do_everything_its_reader_may(author):
    client = Client()
    client.force_login(author.user)
    assert client.get("/api/v1/me/articles").status_code == 200


def test_the_token_page_offers_scopes_with_only_reading_ticked_and_writing_to_authors_only(author, reader):
    client = Client()
    client.force_login(reader)
    page = client.get(reverse("api_access:access")).content.decode()
    ticked = re.findall(r'<input type="checkbox" name="scopes" value="([^"]+)"[^>]*checked', page)
    assert ticked == ["read"]
    assert 'value="read:private"' in page and 'value="write:articles"' not in page
    refused = client.post(reverse("api_access:create_token"), {"name": "x", "scopes": ["write:articles"]})
    assert refused.status_code == 400 and not ApiToken.objects.exists()
    assert client.post(reverse("api_access:create_token"), {"name": "x"}).status_code == 400
    client.force_login(author.user)
    assert 'value="write:articles"' in client.get(reverse("api_access:access")).content.decode()


def test_a_new_token_has_the_scopes_chosen_and_the_list_shows_them(reader):
    client = Client()
    client.force_login(reader)
    page = client.post(reverse("api_access:create_token"), {"name": "feeds", "scopes": ["read", "read:private"]},
                       follow=True).content.decode()
    assert ApiToken.objects.get().scopes == "read read:private"
    assert "Read the full text of the articles you have access to" in page
    assert "Write your articles" not in page


def test_tokens_made_before_scopes_keep_reading_in_full_but_not_writing(author):
    token, _raw = create_api_token(owner=author.user, name="old", scopes=[Scope.READ])
    migration = importlib.import_module("byline.api.migrations.0002_api_token_scopes")
    migration.scope_existing_tokens(apps, None)
    token.refresh_from_db()
    assert token.scope_list == [Scope.READ, Scope.READ_PRIVATE]


def test_a_token_opens_no_page_and_cannot_touch_the_private_feed(reader):
    token = token_for(reader)
    assert Client().get(reverse("api_access:access"), **bearer(token)).status_code == 302
    assert Client().post(reverse("api_access:rotate_feed"), **bearer(token)).status_code in (302, 403)
    assert not PrivateFeedKey.objects.exists()

"""The Content API: reads, authoring, problem answers, caching and rate limits."""

import json

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from byline.articles.models import Article
from tests.api.conftest import bearer, token_for
from tests.conftest import LOCKED_SENTINEL, make_article, make_topic, make_user

pytestmark = pytest.mark.django_db

NEW_ARTICLE = {
    "title": "Tide tables of the old port", "slug": "tide-tables", "lang": "en", "topic": "history",
    "body_markdown": "Free part.\n\n<!-- paywall -->\n\nPaid part.", "visibility": "paid", "price_minor": 250,
    "currency": "USD",
}


def post_json(client, url, data, **headers):
    return client.post(url, data=json.dumps(data), content_type="application/json", **headers)


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"] == "about:blank"
    return body


def test_the_openapi_document_and_docs_are_at_stable_urls(api_client):
    document = api_client.get("/api/v1/openapi.json").json()
    assert "/api/v1/articles/{slug}" in document["paths"]
    assert "application/problem+json" in document["paths"]["/api/v1/articles"]["get"]["responses"]["422"]["content"]
    assert api_client.get("/api/v1/docs").status_code == 200


def test_article_list_pages_with_a_count_and_never_loads_locked_text(api_client, author):
    for _ in range(3):
        make_article(author=author)
    with CaptureQueriesContext(connection) as queries:
        body = api_client.get("/api/v1/articles?limit=2&offset=1").json()
    assert not any("locked_html" in query["sql"] for query in queries.captured_queries)
    assert body["count"] == 3 and body["limit"] == 2 and body["offset"] == 1 and len(body["items"]) == 2
    assert "locked_html" not in body["items"][0]


def test_a_huge_page_size_is_a_clear_422(api_client):
    body = assert_problem(api_client.get("/api/v1/articles?limit=100000"), 422)
    assert body["errors"][0]["loc"] == ["query", "limit"]


@pytest.mark.parametrize("url", ["/api/v1/articles?limit=abc", "/api/v1/articles?offset=-1",
                                 "/api/v1/articles?lang=fr", "/api/v1/search?q=", "/api/v1/search?q=" + "a" * 201,
                                 "/api/v1/articles/NOT%20A%20SLUG"])
def test_bad_query_input_is_a_422_problem(api_client, url):
    assert "errors" in assert_problem(api_client.get(url), 422)


def test_anonymous_answers_are_public_and_signed_in_answers_private(author, author_token):
    article = make_article(author=author)
    anonymous = Client().get(f"/api/v1/articles/{article.slug}")
    signed_in = Client().get(f"/api/v1/articles/{article.slug}", **bearer(author_token))
    assert "public" in anonymous["Cache-Control"] and "max-age=60" in anonymous["Cache-Control"]
    assert "private" in signed_in["Cache-Control"]
    assert "Authorization" in signed_in["Vary"] and "Cookie" in signed_in["Vary"]


def test_session_sign_in_reads_the_full_text_on_get(author):
    article = make_article(author=author)
    client = Client()
    client.force_login(author.user)
    assert LOCKED_SENTINEL in client.get(f"/api/v1/articles/{article.slug}").json()["locked_html"]


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer not valid", "Bearer byl_unknown-token", "Token x"])
def test_a_malformed_or_unknown_token_is_a_401_not_anonymous(api_client, header):
    response = api_client.get("/api/v1/articles", HTTP_AUTHORIZATION=header)
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_stops_working(api_client, reader):
    from byline.api.services import create_api_token, revoke_api_token

    token, raw = create_api_token(owner=reader, name="phone")
    assert api_client.get("/api/v1/articles", **bearer(raw)).status_code == 200
    revoke_api_token(owner=reader, token_id=token.pk)
    assert_problem(api_client.get("/api/v1/articles", **bearer(raw)), 401)


def test_unknown_endpoint_and_wrong_method_answer_problem_json(api_client):
    assert_problem(api_client.get("/api/v1/no-such-thing"), 404)
    response = api_client.delete("/api/v1/articles")
    assert_problem(response, 405)
    assert "GET" in response["Allow"]


def test_an_unexpected_error_is_a_500_problem_not_an_html_page(api_client, monkeypatch):
    from byline.api import endpoints

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(endpoints, "search_articles", broken)
    body = assert_problem(api_client.get("/api/v1/search?q=harbour"), 500)
    assert "boom" not in body["detail"]


def test_an_author_creates_prices_and_publishes_an_article_with_a_token(api_client, author, author_token):
    make_topic("history")
    created = post_json(api_client, "/api/v1/articles", NEW_ARTICLE, **bearer(author_token))
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "draft" and created.json()["locked_html"] == "<p>Paid part.</p>\n"
    priced = api_client.put("/api/v1/articles/tide-tables/price", data=json.dumps(
        {"visibility": "paid", "price_minor": 400, "currency": "CNY"}), content_type="application/json",
        **bearer(author_token))
    assert priced.json()["price_minor"] == 400 and priced.json()["currency"] == "CNY"
    published = post_json(api_client, "/api/v1/articles/tide-tables/publish", {}, **bearer(author_token))
    assert published.json()["status"] == "published"
    assert Client().get("/api/v1/articles/tide-tables").json()["locked_html"] is None


def test_an_author_updates_the_text_of_their_article(api_client, author, author_token):
    article = make_article(author=author)
    response = api_client.patch(f"/api/v1/articles/{article.slug}", data=json.dumps({"title": "New title"}),
                                content_type="application/json", **bearer(author_token))
    assert response.status_code == 200 and response.json()["title"] == "New title"


@pytest.mark.parametrize("change", [{"surprise": 1}, {"price_minor": "lots"}, {"title": ""}, {"lang": "fr"},
                                    {"title": "a\x00b"}, {"topic": "no-such-topic"}])
def test_bad_article_input_is_a_422_with_errors(api_client, author, author_token, change):
    make_topic("history")
    response = post_json(api_client, "/api/v1/articles", {**NEW_ARTICLE, **change}, **bearer(author_token))
    assert assert_problem(response, 422)["errors"]
    assert not Article.objects.filter(slug="tide-tables").exists()


def test_byline_rules_answer_422_naming_the_field(api_client, author, author_token):
    make_topic("history")
    response = post_json(api_client, "/api/v1/articles", {**NEW_ARTICLE, "price_minor": 0}, **bearer(author_token))
    assert ["body", "price_minor"] in [error["loc"] for error in assert_problem(response, 422)["errors"]]


def test_a_taken_slug_is_a_409(api_client, author, author_token):
    make_article(author=author, slug="tide-tables")
    assert_problem(post_json(api_client, "/api/v1/articles", NEW_ARTICLE, **bearer(author_token)), 409)


def test_authoring_needs_sign_in_and_an_author_profile(api_client, reader_token):
    make_topic("history")
    assert_problem(post_json(api_client, "/api/v1/articles", NEW_ARTICLE), 401)
    assert_problem(post_json(api_client, "/api/v1/articles", NEW_ARTICLE, **bearer(reader_token)), 403)


def test_an_author_cannot_change_someone_elses_article(api_client, author_token):
    other = make_article()
    response = api_client.put(f"/api/v1/articles/{other.slug}/price", data=json.dumps({"visibility": "free"}),
                              content_type="application/json", **bearer(author_token))
    assert_problem(response, 403)


def test_a_session_change_needs_the_csrf_token(author):
    make_topic("history")
    client = Client(enforce_csrf_checks=True)
    client.force_login(author.user)
    assert_problem(post_json(client, "/api/v1/articles", NEW_ARTICLE), 403)
    client.get("/en/search/")  # any page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert post_json(client, "/api/v1/articles", NEW_ARTICLE, HTTP_X_CSRFTOKEN=token).status_code == 201


def test_scheduling_in_the_future_keeps_the_article_off_the_public_list(api_client, author, author_token):
    article = make_article(author=author, status="draft", published_at=None)
    response = post_json(api_client, f"/api/v1/articles/{article.slug}/publish",
                         {"published_at": "2090-01-01T09:00:00Z"}, **bearer(author_token))
    assert response.json()["status"] == "scheduled"
    assert api_client.get("/api/v1/articles").json()["count"] == 0


def test_related_articles_keep_their_stable_shape(api_client, author):
    article = make_article(author=author)
    make_article(author=author)
    items = api_client.get(f"/api/v1/articles/{article.slug}/related").json()
    assert set(items[0]) >= {"id", "slug", "title", "teaser", "lang", "price_minor", "currency", "visibility", "url"}


@override_settings(API_RATE_LIMIT_PER_IP=3, API_RATE_LIMIT_WINDOW_S=3600)  # a long window: no boundary mid-test
def test_too_many_requests_from_one_address_get_429_with_retry_after(api_client):
    for _ in range(3):
        assert api_client.get("/api/v1/topics").status_code == 200
    response = api_client.get("/api/v1/topics")
    assert_problem(response, 429)
    assert int(response["Retry-After"]) >= 1


@override_settings(API_RATE_LIMIT_PER_TOKEN=2, API_RATE_LIMIT_PER_IP=100, API_RATE_LIMIT_WINDOW_S=3600)
def test_each_token_has_its_own_limit():
    first, second = token_for(make_user()), token_for(make_user())
    client = Client()
    for _ in range(2):
        assert client.get("/api/v1/topics", **bearer(first)).status_code == 200
    assert client.get("/api/v1/topics", **bearer(first)).status_code == 429
    assert client.get("/api/v1/topics", **bearer(second)).status_code == 200


@override_settings(API_RATE_LIMIT_PER_IP=3, API_RATE_LIMIT_WINDOW_S=3600, BEHIND_PROXY=True,
                   SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_behind_the_proxy_a_client_cannot_dodge_its_limit_by_writing_its_own_forwarded_for(api_client):
    def get(spoofed: str):
        return api_client.get("/api/v1/topics", REMOTE_ADDR="127.0.0.1",
                              HTTP_X_FORWARDED_FOR=f"{spoofed}, 198.51.100.66")

    for number in range(3):
        assert get(f"10.0.0.{number}").status_code == 200
    assert_problem(get("10.0.0.99"), 429)
    assert api_client.get("/api/v1/topics", REMOTE_ADDR="127.0.0.1",
                          HTTP_X_FORWARDED_FOR="198.51.100.67").status_code == 200


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\u2028"])
def test_an_article_written_with_crlf_or_lone_cr_json_is_split_at_its_divider(api_client, author, author_token,
                                                                               newline):
    make_topic("history")
    body = f"Free part.{newline}{newline}<!-- paywall -->{newline}{newline}{LOCKED_SENTINEL}"
    created = post_json(api_client, "/api/v1/articles", {**NEW_ARTICLE, "body_markdown": body},
                        **bearer(author_token))
    assert created.status_code == 201, created.content
    post_json(api_client, "/api/v1/articles/tide-tables/publish", {}, **bearer(author_token))
    article = Article.objects.get(slug="tide-tables")
    assert article.is_live and article.has_divider and "\r" not in article.body_markdown
    public = Client().get("/api/v1/articles/tide-tables").json()
    assert public["locked_html"] is None and LOCKED_SENTINEL not in json.dumps(public)


def test_an_update_with_lone_cr_text_keeps_the_split(api_client, author, author_token):
    article = make_article(author=author)
    body = f"Free part.\r\r<!-- paywall -->\r\r{LOCKED_SENTINEL}"
    response = api_client.patch(f"/api/v1/articles/{article.slug}", data=json.dumps({"body_markdown": body}),
                                content_type="application/json", **bearer(author_token))
    assert response.status_code == 200 and response.json()["preview_html"] == "<p>Free part.</p>\n"
    assert LOCKED_SENTINEL not in Client().get(f"/api/v1/articles/{article.slug}").content.decode()


def test_a_nul_in_the_text_is_a_422_that_says_so(api_client, author, author_token):
    make_topic("history")
    response = post_json(api_client, "/api/v1/articles", {**NEW_ARTICLE, "body_markdown": "Free.\nBad\x00"},
                         **bearer(author_token))
    errors = assert_problem(response, 422)["errors"]
    assert errors[0]["loc"] == ["body", "payload", "body_markdown"] and "NUL character" in errors[0]["msg"]
    assert "line 2" in errors[0]["msg"]


def test_teasers_keep_punctuation_tight_next_to_formatting(api_client, author):
    make_article(author=author, visibility="free", price_minor=0,
                 body_markdown="We drank *chá*, in Russian **чай**.\n\n我们喝*茶*，很好。")
    teaser = api_client.get("/api/v1/articles").json()["items"][0]["teaser"]
    assert teaser == "We drank chá, in Russian чай. 我们喝茶，很好。"


@override_settings(SEARCH_RATE_LIMIT_PER_IP=2)
def test_the_search_endpoint_shares_the_search_rate_limit(api_client):
    assert api_client.get("/api/v1/search", {"q": "harbour"}).status_code == 200
    assert api_client.get("/en/search/", {"q": "harbour"}).status_code == 200
    response = api_client.get("/api/v1/search", {"q": "harbour"})
    assert_problem(response, 429)
    assert int(response["Retry-After"]) >= 1


def test_an_authors_article_says_whether_it_is_live_scheduled_or_a_draft(api_client, author, author_token):
    make_topic("history")
    created = post_json(api_client, "/api/v1/articles", NEW_ARTICLE, **bearer(author_token))
    assert created.json()["state"] == "draft"
    scheduled = post_json(api_client, "/api/v1/articles/tide-tables/publish",
                          {"published_at": "2099-01-01T09:00:00Z"}, **bearer(author_token))
    assert scheduled.json()["status"] == "scheduled" and scheduled.json()["state"] == "scheduled"
    live = post_json(api_client, "/api/v1/articles/tide-tables/publish", {}, **bearer(author_token))
    assert live.json()["state"] == "live"

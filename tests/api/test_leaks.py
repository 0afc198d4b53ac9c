"""No Content API endpoint or feed gives a reader without access the locked part, or any hint of it."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from byline.api.services import rotate_private_feed_key
from byline.articles.services import ArticleData, upsert_article
from tests.api.conftest import bearer, token_for
from tests.conftest import LOCKED_ONLY_WORD, LOCKED_SENTINEL, PREVIEW_SENTENCE, make_article, make_user

pytestmark = pytest.mark.django_db


def api_urls(article) -> list[str]:
    return [
        "/api/v1/articles", f"/api/v1/articles?topic={article.topic.slug}",
        f"/api/v1/articles?author={article.author.slug}", f"/api/v1/articles/{article.slug}",
        f"/api/v1/articles/{article.slug}/related", "/api/v1/topics", f"/api/v1/topics/{article.topic.slug}",
        "/api/v1/authors", f"/api/v1/authors/{article.author.slug}",
        "/api/v1/search?q=harbour", f"/api/v1/search?q={LOCKED_ONLY_WORD}", "/api/v1/search?q=lighthouse",
    ]


def feed_urls(article) -> list[str]:
    urls = [reverse("articles:feed")]
    for kind in ("rss", "atom"):
        urls += [reverse(f"feeds:site_{kind}"), reverse(f"feeds:topic_{kind}", args=[article.topic.slug]),
                 reverse(f"feeds:author_{kind}", args=[article.author.slug])]
    return urls


def assert_no_locked_text(content: str) -> None:
    assert LOCKED_SENTINEL not in content
    assert LOCKED_ONLY_WORD not in content


def without_echoed_query(response) -> str:
    """The answer, less the search query it repeats back (which may hold the word we look for)."""
    if response["Content-Type"].startswith("application/json"):
        body = response.json()
        if isinstance(body, dict):
            body.pop("query", None)
        return json.dumps(body, ensure_ascii=False)
    return response.content.decode()


def readers_without_access() -> list[tuple[str, Client, dict]]:
    anonymous = Client()
    session = Client()
    session.force_login(make_user())
    return [("anonymous", anonymous, {}), ("session", session, {}),
            ("token", Client(), bearer(token_for(make_user())))]


def test_no_api_endpoint_or_feed_shows_locked_text_to_a_reader_without_access(author):
    paid = make_article(author=author)
    make_article(author=author, title="A neighbour in the same topic")
    for _who, client, headers in readers_without_access():
        for url in api_urls(paid) + feed_urls(paid):
            response = client.get(url, **headers)
            assert response.status_code == 200, url
            assert_no_locked_text(without_echoed_query(response))


def test_a_reader_without_access_finds_nothing_by_a_locked_word():
    paid = make_article()
    for _who, client, headers in readers_without_access():
        body = client.get(f"/api/v1/search?q={LOCKED_ONLY_WORD}", **headers).json()
        assert body["count"] == 0 and body["items"] == []
        assert client.get(f"/api/v1/articles/{paid.slug}", **headers).json()["locked_html"] is None


def test_the_author_reads_and_finds_the_locked_text_through_the_api(author, author_token):
    paid = make_article(author=author)
    detail = Client().get(f"/api/v1/articles/{paid.slug}", **bearer(author_token)).json()
    assert LOCKED_SENTINEL in detail["locked_html"]
    assert detail["access"] == {"allowed": True, "reason": "author"}
    found = Client().get(f"/api/v1/search?q={LOCKED_ONLY_WORD}", **bearer(author_token)).json()
    assert [item["article"]["slug"] for item in found["items"]] == [paid.slug]
    assert f"<mark>{LOCKED_ONLY_WORD}</mark>" in found["items"][0]["snippet_html"]


def _rewrite_locked_part(article, locked: str) -> None:
    body = f"{PREVIEW_SENTENCE}\n\nA second free paragraph sets the scene.\n\n<!-- paywall -->\n\n{locked}\n"
    upsert_article(ArticleData(
        title=article.title, slug=article.slug, lang=article.lang, topic=article.topic, author=article.author,
        body_markdown=body, price_minor=article.price_minor, currency=article.currency,
        visibility=article.visibility, status=article.status, published_at=article.published_at))


def _public_answers(client: Client, headers: dict, article) -> list[str]:
    answers = []
    for url in api_urls(article):
        answers.append(json.dumps(client.get(url, **headers).json(), sort_keys=True))
    return answers


def test_changing_only_the_locked_part_changes_no_api_answer_for_a_reader_without_access(author):
    """Two versions of the article, identical but for the locked words (same word count)."""
    paid = make_article(author=author, body_markdown="x")
    make_article(author=author, title="A free harbour lighthouse story", visibility="free", price_minor=0)
    _rewrite_locked_part(paid, f"The {LOCKED_ONLY_WORD} lighthouse harbour keeper.")
    readers = readers_without_access()
    before = [_public_answers(client, headers, paid) for _who, client, headers in readers]
    _rewrite_locked_part(paid, "The quiet plain grey keeper.")
    after = [_public_answers(client, headers, paid) for _who, client, headers in readers]
    assert before == after


def test_the_private_feed_carries_full_text_only_of_what_its_owner_may_read(author):
    paid = make_article(author=author)
    own_secret = rotate_private_feed_key(owner=author.user)
    other_secret = rotate_private_feed_key(owner=make_user())
    own = Client().get(reverse("private_feed", args=[own_secret]))
    other = Client().get(reverse("private_feed_atom", args=[other_secret]))
    assert LOCKED_SENTINEL in own.content.decode()
    assert paid.title in other.content.decode()
    assert_no_locked_text(other.content.decode())

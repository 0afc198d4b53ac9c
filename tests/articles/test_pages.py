"""The public pages a reader meets: they render, in both languages, with few queries."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from byline.articles import page_cache
from byline.articles.models import Status
from tests.conftest import PREVIEW_SENTENCE, make_article, make_user

pytestmark = pytest.mark.django_db


def test_home_lists_published_articles_and_hides_drafts(client, paid_article, author):
    draft = make_article(author=author, status=Status.DRAFT, published_at=None, title="Unfinished draft")
    content = client.get("/en/").content.decode()
    assert paid_article.title in content and draft.title not in content


def test_draft_page_is_not_found_for_readers_but_open_to_its_author(client, author):
    draft = make_article(author=author, status=Status.DRAFT, published_at=None)
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(author.user)
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_article_page_shows_title_preview_paywall_share_and_related_in_order(client, paid_article, author):
    make_article(author=author, topic=paid_article.topic, title="A neighbouring story")
    content = client.get(paid_article.get_absolute_url()).content.decode()
    positions = [content.index(marker) for marker in (
        paid_article.title, PREVIEW_SENTENCE, 'class="paywall"', "Share to", "Related recommendations")]
    assert positions == sorted(positions)
    assert "$3.00" in content and "Purchase this article" in content


def test_article_page_in_chinese_translates_the_interface(client, paid_article):
    with translation.override("zh-hans"):
        url = paid_article.get_absolute_url()
    content = client.get(url).content.decode()
    assert url.startswith("/zh-hans/")
    assert "分享到" in content and "购买这篇文章" in content and 'lang="zh-Hans"' in content


def test_root_redirects_by_accept_language(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert response.status_code == 302 and response["Location"].startswith("/zh-hans/")
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB").headers["Location"].startswith("/en/")


def test_article_page_for_a_signed_in_reader_takes_at_most_six_queries(client, paid_article, author):
    for number in range(5):
        make_article(author=author, topic=paid_article.topic, title=f"Neighbour {number}")
    client.force_login(make_user())
    url = paid_article.get_absolute_url()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(queries) <= 6, [q["sql"] for q in queries]
    assert "private" in response["Cache-Control"]


def test_anonymous_article_page_is_served_from_the_cache_keyed_by_version(client, paid_article):
    url = paid_article.get_absolute_url()
    first = client.get(url)
    assert "public" in first["Cache-Control"]
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url)
    assert second.content == first.content
    assert len(queries) == 0  # the article's version comes from the cached stamp
    paid_article.title = "A new title after an edit"
    from byline.articles.services import render_into

    assert render_into(paid_article)
    paid_article.save()
    assert "A new title after an edit" in client.get(url).content.decode()


def test_cache_keys_differ_by_language_and_reading_mode(client, paid_article):
    with translation.override("zh-hans"):
        zh_url = paid_article.get_absolute_url()
    with translation.override("en"):
        en_url = paid_article.get_absolute_url()
    client.get(en_url)
    client.get(zh_url)
    client.cookies["byline_reading"] = "caring|standard|100|0000"
    assert "mode-caring" in client.get(en_url).content.decode()
    prefix = f"page:article:{paid_article.pk}:v{paid_article.version}"
    standard, caring = "standard.standard.100.0000", "caring.standard.100.0000"
    parts = cache.get(page_cache.parts_key(paid_article.slug))  # comments and tips under the article
    for key in (f"{prefix}:en:{standard}:{parts}", f"{prefix}:zh-hans:{standard}:{parts}",
                f"{prefix}:en:{caring}:{parts}"):
        assert cache.get(key) is not None, key
    assert cache.get(f"{prefix}:zh-hans:{caring}:{parts}") is None


def test_topic_and_author_pages_list_their_articles(client, paid_article):
    assert paid_article.title in client.get(paid_article.topic.get_absolute_url()).content.decode()
    assert paid_article.title in client.get(paid_article.author.get_absolute_url()).content.decode()


def test_unknown_pages_answer_with_a_friendly_404(client):
    response = client.get("/en/articles/nothing-here/")
    assert response.status_code == 404 and "could not find" in response.content.decode()


def test_feed_sitemap_and_robots_are_served(client, paid_article):
    feed = client.get(reverse("articles:feed"))
    assert feed.status_code == 200 and paid_article.title in feed.content.decode()
    sitemap = client.get("/sitemap.xml").content.decode()
    assert paid_article.get_absolute_url().split("/", 2)[2] in sitemap
    assert "Sitemap:" in client.get("/robots.txt").content.decode()


def test_security_headers_are_set(client, paid_article):
    response = client.get(paid_article.get_absolute_url())
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"]


def test_reading_mode_switch_keeps_the_reader_on_their_page(client, paid_article):
    url = paid_article.get_absolute_url()
    response = client.get(reverse("reader:switch_mode", args=["caring"]) + f"?next={url}")
    assert response.status_code == 302 and response["Location"] == url
    assert "mode-caring" in client.get(url).content.decode()
    evil = client.get(reverse("reader:switch_mode", args=["caring"]) + "?next=https://evil.example/")
    assert "evil.example" not in evil["Location"]


def test_cached_page_is_bypassed_when_rendering_might_be_personal(client, paid_article):
    url = paid_article.get_absolute_url()
    client.get(url)
    cache.clear()
    client.cookies["messages"] = "x"
    assert "private" in client.get(url)["Cache-Control"]

"""The locked part of a paid article never leaves the server for a reader who is not entitled."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from byline.articles.models import Visibility
from tests.conftest import LOCKED_ONLY_WORD, LOCKED_SENTINEL, make_article, make_user

pytestmark = pytest.mark.django_db


def surfaces_of(article) -> list[str]:
    """Every public URL that shows something about the article or lists it."""
    urls = []
    for language in ("en", "zh-hans"):
        with translation.override(language):
            urls += [
                article.get_absolute_url(),
                reverse("articles:home"),
                article.topic.get_absolute_url(),
                article.author.get_absolute_url(),
                reverse("articles:feed"),
                reverse("articles:detail", kwargs={"slug": "no-such-article"}),
            ]
    return urls + ["/sitemap.xml", "/robots.txt"]


def assert_no_locked_text(content: str) -> None:
    assert LOCKED_SENTINEL not in content
    assert LOCKED_ONLY_WORD not in content


def head_of(content: str) -> str:
    return content.split("</head>", 1)[0]


@pytest.mark.parametrize("who", ["anonymous", "signed_in_without_access"])
def test_reader_without_access_never_receives_locked_text(paid_article, who):
    client = Client()
    if who == "signed_in_without_access":
        client.force_login(make_user())
    for url in surfaces_of(paid_article):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_no_locked_text(response.content.decode())


def test_open_graph_and_json_ld_come_from_the_preview_alone(client, paid_article):
    head = head_of(client.get(paid_article.get_absolute_url()).content.decode())
    assert 'property="og:description"' in head and "application/ld+json" in head
    assert '"isAccessibleForFree": false' in head and '"cssSelector": ".locked-content"' in head
    assert_no_locked_text(head)


def test_members_only_article_is_locked_for_a_signed_in_reader(client, author):
    article = make_article(author=author, visibility=Visibility.MEMBERS, price_minor=0)
    client.force_login(make_user())
    assert_no_locked_text(client.get(article.get_absolute_url()).content.decode())


def test_article_without_divider_never_shows_its_generated_locked_part(client, author):
    body = "\n\n".join(["Opening paragraph with plain words."] * 3 + [LOCKED_SENTINEL] + ["Closing words."] * 2)
    article = make_article(author=author, body_markdown=body)
    assert LOCKED_SENTINEL in article.locked_html
    assert LOCKED_SENTINEL not in client.get(article.get_absolute_url()).content.decode()


@pytest.mark.parametrize("who", ["author", "staff"])
def test_author_and_staff_read_the_locked_text(client, paid_article, who):
    user = paid_article.author.user if who == "author" else make_user(is_staff=True, is_superuser=True)
    client.force_login(user)
    for language in ("en", "zh-hans"):
        with translation.override(language):
            url = paid_article.get_absolute_url()
        content = client.get(url).content.decode()
        assert LOCKED_SENTINEL in content
        assert 'class="article-body locked-content"' in content


def test_admin_view_as_anonymous_never_shows_locked_text(client, paid_article):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    url = reverse("admin:articles_article_anonymous_preview", args=[paid_article.pk])
    response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "anonymous reader" in content
    assert_no_locked_text(content)


def test_a_cached_anonymous_page_is_never_served_to_an_entitled_reader_or_the_reverse(client, paid_article):
    url = paid_article.get_absolute_url()
    assert_no_locked_text(client.get(url).content.decode())
    client.force_login(paid_article.author.user)
    assert LOCKED_SENTINEL in client.get(url).content.decode()
    client.logout()
    anonymous = Client()
    assert_no_locked_text(anonymous.get(url).content.decode())


def test_locked_text_does_not_leak_through_the_word_count_phrase(client, paid_article):
    content = client.get(paid_article.get_absolute_url()).content.decode()
    assert re.search(r"\d+ more words", content)

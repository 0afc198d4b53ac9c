"""Fixtures that build realistic data through the same services the product uses."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone, translation

from byline.articles.models import Article, Author, Status, Topic, Visibility
from byline.articles.services import ArticleData, upsert_article

pytest_plugins = ["tests.browser"]

LOCKED_SENTINEL = "Zebra-quartz sentinel: the lighthouse keeper counted nine hundred gulls."
LOCKED_ONLY_WORD = "xylocarpous"
PREVIEW_SENTENCE = "The harbour town woke early, as harbour towns do."

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_cache_and_language():
    from byline.core import local_cache

    def forget_everything():
        cache.clear()
        local_cache.clear_all()

    forget_everything()
    translation.activate("en")
    yield
    forget_everything()
    translation.activate("en")


def make_user(username: str | None = None, **flags):
    username = username or f"user{next(_counter)}"
    user = get_user_model().objects.create_user(username=username, email=f"{username}@example.org",
                                                password="a-long-test-password")
    for name, value in flags.items():
        setattr(user, name, value)
    user.save()
    return user


def make_author(username: str | None = None) -> Author:
    user = make_user(username)
    return Author.objects.create(user=user, slug=user.username, display_name=user.username.title(),
                                 display_name_zh="作者")


def make_topic(slug: str = "history") -> Topic:
    return Topic.objects.get_or_create(slug=slug, defaults={"name_en": slug.title(), "name_zh": "历史"})[0]


def make_article(*, author: Author | None = None, topic: Topic | None = None, **overrides) -> Article:
    number = next(_counter)
    values = {
        "title": f"A paid story number {number}",
        "slug": f"paid-story-{number}",
        "lang": "en",
        "body_markdown": (
            f"{PREVIEW_SENTENCE}\n\nA second free paragraph sets the scene.\n\n<!-- paywall -->\n\n"
            f"{LOCKED_SENTINEL} The word {LOCKED_ONLY_WORD} appears only here.\n\nA last locked paragraph.\n"
        ),
        "price_minor": 300,
        "currency": "USD",
        "visibility": Visibility.PAID,
        "status": Status.PUBLISHED,
        "published_at": timezone.now() - timezone.timedelta(days=1),
    }
    values.update(overrides)
    data = ArticleData(topic=topic or make_topic(), author=author or make_author(), **values)
    article, _ = upsert_article(data)
    return Article.objects.select_related("author", "topic").get(pk=article.pk)


@pytest.fixture
def author(db) -> Author:
    return make_author("writer")


@pytest.fixture
def reader(db):
    return make_user("reader")


@pytest.fixture
def paid_article(db, author) -> Article:
    return make_article(author=author)


@pytest.fixture
def free_article(db, author) -> Article:
    return make_article(author=author, visibility=Visibility.FREE, price_minor=0,
                        title="A free story", slug="a-free-story")


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need row locks and real concurrency: skip them on SQLite."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (make test runs the suite on it too)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)

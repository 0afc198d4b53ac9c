"""Reads for articles. Listing querysets never load the locked half."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

from byline.articles.models import Article, Author, SlugRedirect, Tag, Topic
from byline.ops.routers import replica_ok

LISTING_LIMIT = 24


def live_articles() -> QuerySet[Article]:
    return Article.objects.published().for_listing()


# Small facts shown on article cards (the number of comments everyone may read), read in the listing's own
# query: name -> a function making the annotation, registered by the apps that own them. A card is the same
# for every reader of the page (the anonymous page cache keeps it), so an annotation here must not depend on
# who is reading.
CARD_ANNOTATIONS: dict[str, Callable[[], Any]] = {}


def card_articles() -> QuerySet[Article]:
    """`live_articles` with what article cards show besides the row (`CARD_ANNOTATIONS`)."""
    queryset = live_articles()
    if CARD_ANNOTATIONS:
        queryset = queryset.annotate(**{name: make() for name, make in CARD_ANNOTATIONS.items()})
    return queryset


@replica_ok
def latest_articles(*, limit: int = LISTING_LIMIT, lang: str | None = None) -> list[Article]:
    queryset = card_articles()
    if lang:
        queryset = queryset.filter(lang=lang)
    return list(queryset[:limit])


@replica_ok
def articles_in_topic(*, topic: Topic, limit: int = LISTING_LIMIT) -> list[Article]:
    return list(card_articles().filter(topic=topic)[:limit])


@replica_ok
def articles_with_tag(*, tag: Tag, limit: int = LISTING_LIMIT) -> list[Article]:
    return list(live_articles().filter(tags=tag)[:limit])


@replica_ok
def articles_by_author(*, author: Author, limit: int = LISTING_LIMIT) -> list[Article]:
    return list(card_articles().filter(author=author)[:limit])


@replica_ok
def topics_with_articles() -> list[Topic]:
    return list(Topic.objects.filter(articles__in=Article.objects.published()).distinct())


# Small facts other apps show under an article page (who may comment, how many comments, tips), read in
# the stamp's own query so that the page asks nothing more for them: name -> a function making the
# annotation. Apps register theirs in AppConfig.ready and forget the stamp when one of them changes
# (`page_cache.parts_changed`). A copy of an article read elsewhere lacks them: callers fall back to a query.
STAMP_ANNOTATIONS: dict[str, Callable[[], Any]] = {}


def article_stamp(*, slug: str) -> Article | None:
    """The article at `slug` with its author and topic but without its two long texts (the Markdown and
    the locked half, which load on first use): enough to key its cached pages, decide access and
    fill a page shell's personal parts."""
    queryset = Article.objects.for_listing().filter(slug=slug)
    if STAMP_ANNOTATIONS:
        queryset = queryset.annotate(**{name: make() for name, make in STAMP_ANNOTATIONS.items()})
    return queryset.first()


class ArticleChanged(Exception):
    """The article's row changed after the copy a request decided access on was read: start over."""


# What the access decision reads off an article row (with the author's user, who never changes).
DECIDING_FIELDS = ("version", "visibility", "status", "published_at", "author_id")


def locked_html_as_decided(article: Article) -> str:
    """`article.locked_html`, but only as of the row the caller decided access on.

    A copy without its locked half (a cached stamp, a listing row) may be older than the row: the
    locked half is then loaded together with the fields the decision read, and if any of them differ,
    ArticleChanged is raised instead, so nobody reads today's text under yesterday's answer. A copy
    that holds its locked half read it in the same query as those fields.
    """
    if "locked_html" not in article.get_deferred_fields():
        return article.locked_html
    row = Article.objects.filter(pk=article.pk).values("locked_html", *DECIDING_FIELDS).first()
    if row is None or any(row[name] != getattr(article, name) for name in DECIDING_FIELDS):
        raise ArticleChanged(article.slug)
    return row["locked_html"]


@replica_ok
def more_in_topic(*, article: Article, limit: int = 4) -> list[Article]:
    return list(live_articles().filter(topic_id=article.topic_id, lang=article.lang).exclude(pk=article.pk)[:limit])


def moved_article_slug(*, old_slug: str) -> str | None:
    """Where an article once published at `old_slug` lives now (asked only on the way to a 404)."""
    return SlugRedirect.objects.filter(old_slug=old_slug).values_list("article__slug", flat=True).first()

"""Reads for articles. Listing querysets never load the locked half."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from byline.access.decision import Reason, decide
from byline.articles.models import Article, Author, Topic
from byline.ops.routers import replica_ok

LISTING_LIMIT = 24


def live_articles() -> QuerySet[Article]:
    return Article.objects.published().for_listing()


@replica_ok
def latest_articles(*, limit: int = LISTING_LIMIT, lang: str | None = None) -> list[Article]:
    queryset = live_articles()
    if lang:
        queryset = queryset.filter(lang=lang)
    return list(queryset[:limit])


@replica_ok
def articles_in_topic(*, topic: Topic, limit: int = LISTING_LIMIT) -> list[Article]:
    return list(live_articles().filter(topic=topic)[:limit])


@replica_ok
def articles_by_author(*, author: Author, limit: int = LISTING_LIMIT) -> list[Article]:
    return list(live_articles().filter(author=author)[:limit])


@replica_ok
def topics_with_articles() -> list[Topic]:
    return list(Topic.objects.filter(articles__in=Article.objects.published()).distinct())


def article_stamp(*, slug: str) -> Article | None:
    """The article at `slug` with its author and topic but without its two long texts (the Markdown and
    the locked half, which load on first use): enough to key its cached pages, decide access and
    fill a page shell's personal parts."""
    return Article.objects.for_listing().filter(slug=slug).first()


def article_for_reader(*, slug: str, reader: Any) -> Article | None:
    """The article at `slug` if the reader may see its page at all (live, or theirs, or staff)."""
    queryset = Article.objects.select_related("author", "topic").filter(slug=slug)
    article = queryset.first()
    if article is None:
        return None
    if article.is_live:
        return article
    if decide(reader, article).reason in (Reason.AUTHOR, Reason.STAFF):
        return article
    return None



@replica_ok
def more_in_topic(*, article: Article, limit: int = 4) -> list[Article]:
    return list(live_articles().filter(topic_id=article.topic_id, lang=article.lang).exclude(pk=article.pk)[:limit])

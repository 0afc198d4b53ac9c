"""Reads for recommendations: the related cards under an article, "Recommended for you" at home."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Q, QuerySet, Subquery
from django.utils import timezone

from byline.access.decision import readable_ids
from byline.articles import selectors as article_selectors
from byline.articles.models import LIVE_STATUSES, Article
from byline.core import local_cache, read_ahead
from byline.recommend.models import ReadingEvent, RelatedArticle

# What a card shows and what the access decision needs (never the body or the locked half).
CARD_FIELDS = (
    "id", "title", "slug", "lang", "preview_text", "preview_words", "locked_words", "price_minor", "currency", "prices",
    "visibility", "status", "published_at", "version",
    "author__id", "author__user_id", "author__slug", "author__display_name", "author__display_name_zh",
    "topic__id", "topic__slug", "topic__name_en", "topic__name_zh",
)
MIN_CARDS = 4
RECENT_READING = 20


@dataclass(frozen=True)
class RelatedCard:
    article: Article
    unlocked: bool  # the reader may read the locked part (bought, member, author...), not merely free


def _rows() -> QuerySet[RelatedArticle]:
    """Related rows whose target is live now: an unpublished article drops out at once."""
    return (
        RelatedArticle.objects.filter(related__status__in=LIVE_STATUSES, related__published_at__lte=timezone.now())
        .select_related("related__author", "related__topic")
        .only("article_id", "score", "rank", *(f"related__{name}" for name in CARD_FIELDS))
    )


def _cards(reader: Any, articles: list[Article]) -> list[RelatedCard]:
    readable = readable_ids(reader, articles)
    return [RelatedCard(article=a, unlocked=a.pk in readable and not a.is_free) for a in articles]


RELATED_CACHE_SECONDS = 600
GENERATION_KEY = "recommend:generation"


def lists_changed() -> None:
    """Forget every cached related list: called whenever an article is saved or the lists are rebuilt."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, None)


def related_articles(*, article: Article, limit: int = 6) -> list[Article]:
    """Up to `limit` related articles for `article`, best first: one indexed query, then cached.

    Topped up from the same topic when the precomputed list is short (a new site, a list
    thinned by unpublishing). The same for every reader, so it is cached under a generation
    number that any article save or list rebuild moves on: an unpublished article still leaves
    every list at once.
    """
    generation = read_ahead.get(GENERATION_KEY, 0)
    key = f"recommend:related:{generation}:{article.pk}:{limit}"
    return local_cache.versioned.get_or_shared(
        key, lambda: _related_articles_uncached(article=article, limit=limit), shared_timeout=RELATED_CACHE_SECONDS)


def _related_articles_uncached(*, article: Article, limit: int) -> list[Article]:
    articles = [row.related for row in _rows().filter(article_id=article.pk).order_by("rank")[:limit]]
    if len(articles) < MIN_CARDS:
        seen = {a.pk for a in articles} | {article.pk}
        extra = article_selectors.more_in_topic(article=article, limit=limit + len(seen))
        articles += [a for a in extra if a.pk not in seen][: limit - len(articles)]
    return articles


def cards_for(*, reader: Any, articles: list[Article]) -> list[RelatedCard]:
    """Cards with the "Unlocked" badge where the reader may read the locked part."""
    return _cards(reader, articles)


def related_for_page(*, article: Article, reader: Any, limit: int = 6) -> list[RelatedCard]:
    return cards_for(reader=reader, articles=related_articles(article=article, limit=limit))


def recommended_for(*, reader: Any, limit: int = 6) -> list[RelatedCard]:
    """For a signed-in reader: articles related to what they read lately and have not read yet.

    One query over the related lists of their last reads (plus the access decision's own).
    Empty for anonymous readers and readers without history.
    """
    if not getattr(reader, "is_authenticated", False):
        return []
    history = ReadingEvent.objects.filter(reader_id=reader.pk)
    recent = history.order_by("-created_at").values("article_id")[:RECENT_READING]
    unread = ~Q(related_id__in=Subquery(history.values("article_id")))
    rows = _rows().filter(unread, article_id__in=Subquery(recent))
    scores: dict[int, float] = {}
    articles: dict[int, Article] = {}
    for row in rows:
        scores[row.related_id] = scores.get(row.related_id, 0.0) + row.score
        articles[row.related_id] = row.related
    best = sorted(scores, key=lambda pk: (-scores[pk], pk))[:limit]
    return _cards(reader, [articles[pk] for pk in best])

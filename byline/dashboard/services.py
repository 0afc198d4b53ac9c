"""Counting article page views (cheaply, in the shared cache) and moving the counts into the database.

Rules a caller may rely on:
- `note_article_view` costs no database query: it increments a per-article, per-day counter in the
  cache (Redis INCRBY in production), added up in the process and sent about once a second
  (VIEW_COUNT_FLUSH_SECONDS, ops/counters.py). It ignores bots, HEAD requests, free articles, and the
  article's author or staff. Nothing personal is stored: only (article, day) -> two numbers.
- `flush_view_counters` adds the pending cache counts to `ArticleDay` rows with one batch of upserts,
  then subtracts exactly what it moved from the cache, so views counted meanwhile are kept. One flush
  runs at a time (a cache lock). Celery beat runs it every minute; the dashboard runs it before reading.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from byline.access.decision import Access, Reason
from byline.articles.models import Article, Visibility
from byline.dashboard.models import ArticleDay
from byline.ops.cache import increment
from byline.ops.counters import BufferedCounters
from byline.sharing.bots import is_automated

VIEWS, PAYWALL = "pv", "pw"
COUNTER_TTL_S = 4 * 86400  # a counter outlives the days the flush looks back over
FLUSH_DAYS = 3  # today and the two days before: the flush runs far more often than that
FLUSH_LOCK = "dash:flush-lock"
FLUSH_LOCK_S = 120
GET_MANY_CHUNK = 500


def counter_key(kind: str, day: dt.date, article_id: int) -> str:
    return f"dash:{kind}:{day.isoformat()}:{article_id}"


_views = BufferedCounters(interval=lambda: settings.VIEW_COUNT_FLUSH_SECONDS)


def record_view(*, article_id: int, paywalled: bool, day: dt.date | None = None) -> None:
    """Count one view of a paid article's page; `paywalled` when the paywall box was shown."""
    day = day or timezone.localdate()
    _views.add(counter_key(VIEWS, day, article_id), ttl=COUNTER_TTL_S)
    if paywalled:
        _views.add(counter_key(PAYWALL, day, article_id), ttl=COUNTER_TTL_S)


def note_article_view(request: HttpRequest, article: Article, access: Access | None = None) -> None:
    """The article view's one call: count this page view if it is a reader's view of a paid article.

    `access` is the decision the page was rendered with; None for a cached anonymous page (which always
    shows the paywall of a paid article). `article` needs only `pk` and `visibility` loaded.
    Views by the author or staff are not counted.
    """
    if article.visibility == Visibility.FREE or is_automated(request):
        return
    if access is not None and access.reason in (Reason.AUTHOR, Reason.STAFF):
        return
    record_view(article_id=article.pk, paywalled=access is None or not access.allowed)


def _pending(article_ids: Iterable[int], days: list[dt.date]) -> dict[str, int]:
    keys = [counter_key(kind, day, pk) for pk in article_ids for day in days for kind in (VIEWS, PAYWALL)]
    found: dict[str, int] = {}
    for start in range(0, len(keys), GET_MANY_CHUNK):
        for key, value in cache.get_many(keys[start:start + GET_MANY_CHUNK]).items():
            if isinstance(value, int) and value > 0:
                found[key] = value
    return found


def pending_counts(*, article_ids: Iterable[int] | None = None, today: dt.date | None = None
                   ) -> dict[tuple[int, dt.date], list[int]]:
    """What the cache holds and the database does not yet: {(article_id, day): [views, paywall]}."""
    today = today or timezone.localdate()
    days = [today - dt.timedelta(days=n) for n in range(FLUSH_DAYS)]
    if article_ids is None:
        article_ids = Article.objects.exclude(visibility=Visibility.FREE).values_list("pk", flat=True)
    counts: dict[tuple[int, dt.date], list[int]] = {}
    for key, value in _pending(list(article_ids), days).items():
        _, kind, day, pk = key.split(":")
        row = counts.setdefault((int(pk), dt.date.fromisoformat(day)), [0, 0])
        row[0 if kind == VIEWS else 1] += value
    return counts


def _take(key: str, amount: int) -> None:
    try:
        cache.decr(key, amount)
    except ValueError:
        pass  # expired meanwhile: nothing left to subtract


def add_counts(rows: list[tuple[int, dt.date, int, int]]) -> None:
    """Add (article_id, day, views, paywall) to the daily rows: one upsert per row, sent together
    (`executemany`). Written by hand because the counts are *added* to what the row holds;
    `bulk_create(update_conflicts=True)` can only set a column to the incoming value."""
    if not rows:
        return
    table = ArticleDay._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (article_id, day, preview_views, paywall_impressions) VALUES (%s, %s, %s, %s) "
            f"ON CONFLICT (article_id, day) DO UPDATE SET "
            f"preview_views = {table}.preview_views + EXCLUDED.preview_views, "
            f"paywall_impressions = {table}.paywall_impressions + EXCLUDED.paywall_impressions",
            rows,
        )


def flush_view_counters(*, today: dt.date | None = None) -> int:
    """Move pending view counts from the cache into `ArticleDay`; returns how many rows it touched.

    Returns 0 without waiting when another flush holds the lock.
    """
    if not cache.add(FLUSH_LOCK, 1, FLUSH_LOCK_S):
        return 0
    try:
        counts = pending_counts(today=today)
        if not counts:
            return 0
        taken: list[tuple[str, int]] = []
        for (pk, day), (views, paywall) in counts.items():
            for kind, amount in ((VIEWS, views), (PAYWALL, paywall)):
                if amount:
                    key = counter_key(kind, day, pk)
                    _take(key, amount)
                    taken.append((key, amount))
        rows = [(pk, day, views, paywall) for (pk, day), (views, paywall) in sorted(counts.items())]
        try:
            with transaction.atomic():
                add_counts(rows)
        except Exception:
            for key, amount in taken:  # give the counts back for the next flush
                increment(key, delta=amount, ttl=COUNTER_TTL_S)
            raise
        return len(rows)
    finally:
        cache.delete(FLUSH_LOCK)


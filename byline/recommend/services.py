"""Writes for recommendations: reading events, the full rebuild, publish-time and unpublish updates."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from byline.articles.models import Article
from byline.core.local_cache import LocalCache
from byline.recommend import catalogue
from byline.recommend.models import ReadingEvent, ReadingKind, RelatedArticle
from byline.recommend.selectors import lists_changed

logger = logging.getLogger(__name__)

LIST_LENGTH = 6
# Below this many live articles a publish simply rebuilds everything: it is cheap, and the
# vocabulary of a young site changes too fast for an incremental update to be good.
SMALL_CATALOGUE = 500
# Ask the engine for a few more than we keep, so that dropping no-longer-live ids leaves enough.
SLACK = 4
# With no saved index at all, a publish rebuilds everything only up to this size; a larger
# site waits for `manage.py rebuild_related` (or the scheduled task), and pages fall back
# to "more in this topic" meanwhile.
REBUILD_ON_PUBLISH_MAX = 5000
_LOCK_KEY = 0x5245_4C41  # "RELA": PostgreSQL advisory lock around rewrites of the table

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RebuildReport:
    articles: int
    pairs: int
    seconds: float


# The (reader, article, kind, day) rows this process has written lately, so that a reader reloading a
# page costs no write at all. Forgetting one (bounded size, a day's life) only costs an INSERT that does nothing.
recently_recorded = LocalCache(size=50_000, ttl=24 * 3600)


def record_reading(*, reader, article: Article, kind: str = ReadingKind.VIEW) -> None:
    """Note that `reader` viewed, finished or bought `article`; repeats the same day are one row.

    One INSERT that ignores the duplicate (unique per reader, article, kind and day), skipped when
    this process already wrote that row. Anonymous readers are not recorded.
    """
    if not getattr(reader, "is_authenticated", False):
        return
    if kind not in ReadingKind.values:
        raise ValueError(f"unknown reading event kind {kind!r}")
    now = timezone.now()
    day = timezone.localdate(now)
    seen_key = f"{reader.pk}:{article.pk}:{kind}:{day}"
    if recently_recorded.get(seen_key):
        return
    values = {"reader_id": reader.pk, "article_id": article.pk, "kind": kind, "day": day, "created_at": now}
    # One plain statement: bulk_create would wrap it in BEGIN/COMMIT, three round trips on every page view.
    meta, quote = ReadingEvent._meta, connection.ops.quote_name
    fields = [meta.get_field(name) for name in values]
    params = [field.get_db_prep_value(values[field.attname], connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT DO NOTHING",
            params,
        )
    recently_recorded.set(seen_key, True)


def _embedder():
    """The sentence-embedding back end the settings name, if any and if it can load here."""
    name = getattr(settings, "RECOMMEND_EMBEDDINGS", "")
    if not name:
        return None
    from byline.recommend import embeddings

    if not embeddings.available(name):
        logger.warning("RECOMMEND_EMBEDDINGS=%r cannot load (torch or sentence-transformers missing); "
                       "related articles use text signals only", name)
        return None
    return embeddings.embedder(name, settings.RECOMMEND_EMBEDDING_LANGS)


def _lock_table() -> None:
    """Serialise rewrites of the related table (SQLite already serialises writers)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def rebuild_related(*, progress: Progress | None = None, k: int = LIST_LENGTH) -> RebuildReport:
    """Recompute every live article's related list from text and reading, and store it.

    Reads live articles (title, topic, preview) and the last year of reading events, fits the
    engine, saves its index for publish-time updates, then replaces the whole table in one
    transaction. `progress(stage, done, total)` is told how far each stage got.
    """
    started = time.perf_counter()
    report = progress or (lambda stage, done, total: None)
    report("load", 0, 1)
    events = catalogue.reading_events()
    docs = list(catalogue.live_docs(catalogue.popularity_of(events)))
    report("load", 1, 1)
    lists: dict[int, list[tuple[int, float]]] = {}
    if docs:
        from byline.recommend.engine import build_index, related_for_all

        report("index", 0, 1)
        index = build_index(docs, embed=_embedder())
        report("index", 1, 1)
        lists = related_for_all(index, k=k, events=events, now=time.time(),
                                progress=lambda done, total: report("lists", done, total))
        catalogue.save_index(index)
    pairs = _store_all(lists, report)
    return RebuildReport(articles=len(docs), pairs=pairs, seconds=time.perf_counter() - started)


def _store_all(lists: dict[int, list[tuple[int, float]]], report: Progress) -> int:
    total = len(lists)
    batch: list[RelatedArticle] = []
    pairs = 0
    with transaction.atomic():
        _lock_table()
        RelatedArticle.objects.all().delete()
        for done, (article_id, items) in enumerate(lists.items(), 1):
            for rank, (related_id, score) in enumerate(items):
                batch.append(RelatedArticle(article_id=article_id, related_id=related_id, score=score, rank=rank))
            if len(batch) >= 5000:
                RelatedArticle.objects.bulk_create(batch)
                pairs += len(batch)
                batch = []
                report("store", done, total)
        RelatedArticle.objects.bulk_create(batch)
        pairs += len(batch)
        report("store", total, total)
        transaction.on_commit(lists_changed)
    return pairs


def remove_from_lists(*, article: Article) -> int:
    """Take `article` out of every related list and drop its own (it was unpublished or drafted)."""
    deleted, _ = RelatedArticle.objects.filter(Q(article_id=article.pk) | Q(related_id=article.pk)).delete()
    transaction.on_commit(lists_changed)
    return deleted


def update_for_published(*, article: Article, k: int = LIST_LENGTH) -> None:
    """Give a just-published (or edited) live article its list, and re-rank the lists it enters.

    Adds the article to the index saved by the last full rebuild (no refit) and stores what the
    engine's one ranker gives for it and for every article whose candidates it entered (the same
    lists a rebuild over that index would give). A small or never-indexed site gets a full rebuild
    instead. An article that is not live is removed.
    """
    if not article.is_live:
        remove_from_lists(article=article)
        return
    index = catalogue.load_index()
    if index is None or len(index) < SMALL_CATALOGUE:
        if index is None and Article.objects.published().count() > REBUILD_ON_PUBLISH_MAX:
            logger.warning("No related-articles index yet; run manage.py rebuild_related")
            return
        rebuild_related(k=k)
        return
    from byline.recommend.engine import related_for_new

    embed = _embedder()
    if bool(index.meta.get("embedded")) != (embed is not None):  # the embedding setting changed: start afresh
        rebuild_related(k=k)
        return
    own, changed = related_for_new(index, catalogue.doc_for(article), k=k + SLACK, now=time.time(), embed=embed)
    catalogue.save_index(index)
    mentioned = {i for i, _ in own} | set(changed) | {i for items in changed.values() for i, _ in items}
    live = set(Article.objects.published().filter(pk__in=mentioned).values_list("pk", flat=True))
    live.discard(article.pk)
    with transaction.atomic():
        _lock_table()
        _store_list(article.pk, [(i, s) for i, s in own if i in live], k)
        for other, items in changed.items():
            if other in live:
                _store_list(other, [(i, s) for i, s in items if i in live or i == article.pk], k)
        transaction.on_commit(lists_changed)


def _store_list(article_id: int, items: list[tuple[int, float]], k: int) -> None:
    RelatedArticle.objects.filter(article_id=article_id).delete()
    RelatedArticle.objects.bulk_create(
        RelatedArticle(article_id=article_id, related_id=related_id, score=score, rank=rank)
        for rank, (related_id, score) in enumerate(items[:k])
    )


def refresh_after_save(*, article_id: int) -> None:
    """After an article's save commits: bring the related lists in step, never failing the save."""
    try:
        article = Article.objects.select_related("topic").filter(pk=article_id).first()
        if article is not None:
            update_for_published(article=article)
    except Exception:  # derived data: a failure here must not turn a publish into an error page
        logger.exception("Could not update related articles for article %s", article_id)

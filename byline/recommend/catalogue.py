"""What the engine sees of the site: live articles as engine docs, reading events, the saved index.

The engine reads each article's title, topic names and free preview text, never the locked
part: whatever the related lists reveal (which articles are "about" the same thing) is then
derived only from text every reader may already see.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import pickle
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from byline.articles.models import Article
from byline.recommend.engine.docs import Doc
from byline.recommend.models import KIND_WEIGHTS, ReadingEvent

if TYPE_CHECKING:  # the engine's modules load NumPy and SciPy: only rebuilds and publishes need them
    from byline.recommend.engine.index import Index

logger = logging.getLogger(__name__)

DOC_FIELDS = ("id", "lang", "title", "topic__name_en", "topic__name_zh", "preview_text", "published_at")
EVENTS_WINDOW_DAYS = 365
MAX_EVENTS = 5_000_000
INDEX_FILE = "index.pkl"


def doc_from_values(values: tuple, popularity: float = 0.0) -> Doc:
    pk, lang, title, topic_en, topic_zh, preview_text, published_at = values
    return Doc(
        id=pk,
        lang=lang,
        title=title,
        topic=f"{topic_en} {topic_zh}".strip(),
        text=preview_text,
        published_at=published_at.timestamp() if published_at else 0.0,
        popularity=popularity,
    )


def doc_for(article: Article, popularity: float = 0.0) -> Doc:
    """The engine's view of one article (its topic must be loaded or loadable)."""
    topic = article.topic
    return doc_from_values(
        (article.pk, article.lang, article.title, topic.name_en, topic.name_zh, article.preview_text,
         article.published_at),
        popularity,
    )


def live_docs(popularity: dict[int, float] | None = None) -> Iterator[Doc]:
    """Every live article as a Doc, streamed in small columns (no HTML, no locked text)."""
    popularity = popularity or {}
    rows = Article.objects.published().order_by("pk").values_list(*DOC_FIELDS)
    for values in rows.iterator(chunk_size=2000):
        yield doc_from_values(values, popularity.get(values[0], 0.0))


def reading_events(*, now: dt.datetime | None = None) -> list[tuple[int, int, float]]:
    """(reader id, article id, weight) for the last year of reading, newest first, capped."""
    since = (now or timezone.now()) - dt.timedelta(days=EVENTS_WINDOW_DAYS)
    rows = (
        ReadingEvent.objects.filter(created_at__gte=since)
        .order_by("-created_at")
        .values_list("reader_id", "article_id", "kind")[:MAX_EVENTS]
    )
    return [(reader, article, KIND_WEIGHTS.get(kind, 1.0)) for reader, article, kind in rows.iterator(chunk_size=5000)]


def popularity_of(events: list[tuple[int, int, float]]) -> dict[int, float]:
    counts: dict[int, float] = {}
    for _, article_id, weight in events:
        counts[article_id] = counts.get(article_id, 0.0) + weight
    return counts


# --- the fitted index, kept on disk between the full rebuild and publish-time updates

_loaded: tuple[Path, int, Index] | None = None


def index_path() -> Path:
    folder = getattr(settings, "RECOMMEND_INDEX_DIR", None) or Path(settings.VAR_DIR) / "recommend"
    return Path(folder) / INDEX_FILE


def save_index(index: Index) -> None:
    """Write atomically (temp file + rename) so a reader never sees half a file."""
    global _loaded
    path = index_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as fh:
        pickle.dump(index, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp = Path(fh.name)
    os.replace(tmp, path)
    _loaded = (path, path.stat().st_mtime_ns, index)


def load_index() -> Index | None:
    """The last saved index, kept in memory while the file is unchanged; None if there is none."""
    global _loaded
    path = index_path()
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    if _loaded is not None and _loaded[0] == path and _loaded[1] == mtime:
        return _loaded[2]
    try:
        with path.open("rb") as fh:
            index = pickle.load(fh)  # our own file, written by save_index
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        logger.warning("Related-articles index at %s is unreadable; a full rebuild will replace it", path)
        return None
    from byline.recommend.engine.index import Index

    if not isinstance(index, Index):
        return None
    _loaded = (path, mtime, index)
    return index


def forget_loaded_index() -> None:
    global _loaded
    _loaded = None

"""What a reader's library holds: the articles they may read in full, beyond free ones."""

from __future__ import annotations

from typing import Any

from byline.access.decision import readable_ids
from byline.articles.models import Article, Visibility
from byline.articles.selectors import live_articles

LIBRARY_LIMIT = 200


def library_for(*, reader: Any) -> list[Article]:
    """Paid and members-only articles the reader may read, newest first, bounded."""
    candidates = list(live_articles().exclude(visibility=Visibility.FREE)[: LIBRARY_LIMIT * 5])
    allowed = readable_ids(reader, candidates)
    return [article for article in candidates if article.pk in allowed][:LIBRARY_LIMIT]

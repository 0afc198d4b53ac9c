"""Reads that go through the access decision: which article a page may show at all.

Here, not in `articles.selectors`, because articles sits below access (docs/DEVELOPING.md, "Layers"); the
pages that show or buy an article (the article page, unlock, tips, comments, reading mode, the API) ask it.
"""

from __future__ import annotations

from typing import Any

from byline.access.decision import Reason, decide
from byline.articles.models import Article


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

"""Searching articles without revealing anything about text the reader may not read.

How a query runs (the design that keeps paid text from leaking):
1. The query becomes plain terms (search.terms): no operator, quote, column filter or
   wildcard of the engine's syntax survives, so no input can make the engine fail.
2. Every reader searches the PUBLIC index (title, topic, author, preview) of every live article.
3. A signed-in reader also searches the FULL index, but a full-index match is kept only for the
   articles `access.decision.readable_ids` says they may read.
4. Ranking and snippets of a hit come from the text searchable FOR THIS READER and this
   article alone (its public text, or its full text when readable). The score uses no corpus
   statistics (no IDF over the full index), so another article's locked part can never move a
   result, a rank or a count. The same holds on SQLite (FTS5) and PostgreSQL (tsvector): the
   engines only answer "does this document match", and the ranking is computed here.
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from byline.access.decision import readable_ids
from byline.articles.models import LIVE_STATUSES, Article
from byline.articles.text import CJK, html_to_text
from byline.search.models import SearchDocument
from byline.search.terms import joined, query_terms

PAGE_SIZE = 20
MAX_PAGE_SIZE = 50
# Hits are ranked among at most this many (the most recent); `count` stays exact beyond it.
MAX_RANKED = 1000
SNIPPET_CHARS = 220
FTS_TABLES = {"public": "search_public_fts", "full": "search_full_fts"}


@dataclass(frozen=True)
class SearchHit:
    article: Article
    snippet: SafeString
    full_text: bool  # whether the locked part was searched for this reader
    score: float


@dataclass(frozen=True)
class SearchResults:
    query: str
    terms: list[str]
    count: int
    offset: int
    limit: int
    hits: list[SearchHit] = field(default_factory=list)

    @property
    def rankable(self) -> int:
        return min(self.count, MAX_RANKED)

    @property
    def has_next(self) -> bool:
        return self.offset + self.limit < self.rankable


def _live_documents(lang: str | None) -> QuerySet[SearchDocument]:
    documents = SearchDocument.objects.filter(
        article__status__in=LIVE_STATUSES, article__published_at__lte=timezone.now()
    )
    if lang:
        documents = documents.filter(article__lang=lang)
    return documents


def _matching(documents: QuerySet[SearchDocument], index: str, terms: Sequence[str]) -> QuerySet[SearchDocument]:
    """Documents whose `index` text ("public" or "full") holds every term."""
    if connection.vendor == "postgresql":
        query = SearchQuery(joined(list(terms)), config="simple", search_type="plain")
        return documents.filter(**{f"{index}_vector": query})
    table = FTS_TABLES[index]
    # Each term is quoted, so FTS5 reads it as a string, never as syntax.
    match = " ".join('"' + term.replace('"', '""') + '"' for term in terms)
    return documents.filter(article_id__in=RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [match]))


def _is_signed_in(reader: Any) -> bool:
    return reader is not None and getattr(reader, "is_authenticated", False) and reader.is_active


def score(terms: Sequence[str], title_terms: str, text_terms: str) -> float:
    """How well one document answers the query, from that document's searchable text alone."""
    counts = Counter(text_terms.split())
    title = set(title_terms.split())
    total = 0.0
    for term in terms:
        frequency = counts.get(term, 0)
        if frequency:
            total += 1 + math.log(frequency)
        if term in title:
            total += 2
    length = max(1, sum(counts.values()))
    return round(total / (1 + math.log(length)) * 1000, 3)


def _highlighter(terms: Sequence[str]) -> re.Pattern[str] | None:
    parts = []
    for term in sorted(terms, key=len, reverse=True):
        if CJK.search(term):
            parts.append(re.escape(term))
        else:
            parts.append(r"(?<![^\W_])" + re.escape(term) + r"(?![^\W_])")
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def snippet(text: str, terms: Sequence[str], width: int = SNIPPET_CHARS) -> SafeString:
    """A short passage of `text` around the first term found, escaped, with terms in <mark>."""
    pattern = _highlighter(terms)
    found = pattern.search(text) if pattern else None
    start = 0 if found is None else max(0, found.start() - width // 3)
    if start and not CJK.search(text[start:start + 1]):
        space = text.find(" ", start, start + 20)
        start = space + 1 if space != -1 else start
    end = min(len(text), start + width)
    piece = text[start:end]
    out, position = [], 0
    if pattern is not None:
        for match in pattern.finditer(piece):
            out.append(html.escape(piece[position:match.start()]))
            out.append("<mark>" + html.escape(match.group()) + "</mark>")
            position = match.end()
    out.append(html.escape(piece[position:]))
    return mark_safe(("…" if start else "") + "".join(out) + ("…" if end < len(text) else ""))


def search_articles(
    *, reader: Any, query: str, lang: str | None = None, limit: int = PAGE_SIZE, offset: int = 0
) -> SearchResults:
    """Live articles matching every term of `query`, best first, with snippets.

    A reader without access to an article searches (and sees snippets from) its public text
    only; results, ranking and count are then the same whatever its locked part says.
    """
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    offset = max(0, offset)
    terms = query_terms(query)
    if not terms:
        return SearchResults(query=query, terms=[], count=0, offset=offset, limit=limit)
    documents = _live_documents(lang)
    hits: dict[int, Any] = dict(
        _matching(documents, "public", terms).values_list("article_id", "article__published_at")
    )
    readable: set[int] = set()
    if _is_signed_in(reader):
        candidates = list(
            Article.objects.for_listing().filter(pk__in=_matching(documents, "full", terms).values("article_id"))
        )
        readable = readable_ids(reader, candidates)
        hits.update((a.pk, a.published_at) for a in candidates if a.pk in readable)
    count = len(hits)
    window = sorted(hits, key=lambda pk: (hits[pk], pk), reverse=True)[:MAX_RANKED]
    rows = SearchDocument.objects.filter(pk__in=window).values_list("pk", "title_terms", "public_terms", "full_terms")
    scores = {
        pk: score(terms, title_terms, full_terms if pk in readable else public_terms)
        for pk, title_terms, public_terms, full_terms in rows
    }
    ranked = sorted(window, key=lambda pk: (-scores.get(pk, 0.0), -hits[pk].timestamp(), -pk))
    page_ids = ranked[offset:offset + limit]
    articles = Article.objects.for_listing().in_bulk(page_ids)
    locked = dict(
        Article.objects.filter(pk__in=[pk for pk in page_ids if pk in readable]).values_list("pk", "locked_html")
    )
    page = []
    for pk in page_ids:
        article = articles[pk]
        text = article.preview_text
        if pk in locked:
            text = f"{text} {html_to_text(locked[pk])}".strip()
        page.append(SearchHit(article=article, snippet=snippet(text, terms), full_text=pk in readable,
                              score=scores.get(pk, 0.0)))
    return SearchResults(query=query, terms=terms, count=count, offset=offset, limit=limit, hits=page)

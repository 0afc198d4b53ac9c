"""Searching articles without revealing anything about text the reader may not read.

How a query runs (the design that keeps paid text from leaking, in results and in timing):
1. The query becomes plain terms (search.terms, stemmed the same way the index is): no
   operator, quote, column filter or wildcard of the engine's syntax survives, so no input can
   make the engine fail.
2. Every reader searches the PUBLIC index (title, topic, author, preview) of every live article:
   an index built from public text only, so its work depends on public text only.
3. Whose full text a reader searches is settled before the query is looked at, from the reader
   alone (`access.decision.readable_among`): nobody's for an anonymous reader; exactly the
   articles they may read for a signed-in one; everybody's for a reader who may read every live
   article (staff, or a member when every priced article is open to members). Only that last
   reader uses the FULL index. The others' readable articles are matched row by row on their
   own stored terms, never through an index of other articles' locked words, so no query costs
   more or less because some other article's locked part holds (or lacks) a word. A reader
   without access to anything does exactly the same work as an anonymous one, plus one query
   that does not depend on what they search.
4. Ranking and snippets of a hit come from the text searchable FOR THIS READER and this
   article alone (its public text, or its full text when readable). The score uses no corpus
   statistics (no IDF over the full index), so another article's locked part can never move a
   result, a rank or a count. The same holds on SQLite (FTS5) and PostgreSQL (tsvector): the
   engines only answer "does this document match", and the ranking is computed here.
5. Searching is rate-limited (search.views, with the API's counters), which bounds how many
   samples of anything anyone can take.
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
from django.db.models import QuerySet, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from byline.access.decision import readable_among, reads_everything
from byline.articles.models import LIVE_STATUSES, Article, Visibility
from byline.articles.text import CJK, html_to_text
from byline.search.models import SearchDocument
from byline.search.terms import WORD, fold, joined, query_terms, stem

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


def _held_matching(documents: QuerySet[SearchDocument], article_ids: set[int],
                   terms: Sequence[str]) -> QuerySet[SearchDocument]:
    """Documents of `article_ids` whose full terms hold every term, tested on each row's own stored
    terms (space-separated, so " term " is a whole term), never through the full index."""
    padded = documents.filter(article_id__in=article_ids).alias(
        padded_terms=Concat(Value(" "), "full_terms", Value(" "), output_field=TextField()))
    for term in terms:
        padded = padded.filter(padded_terms__contains=f" {term} ")
    return padded


def _is_signed_in(reader: Any) -> bool:
    return reader is not None and getattr(reader, "is_authenticated", False) and reader.is_active


EVERY_ARTICLE = None  # the full-text scope of a reader who may read every live article


def full_text_scope(reader: Any) -> set[int] | None:
    """The live priced articles whose full text `reader` searches: a set of ids (empty for anonymous
    readers and readers who hold nothing), or EVERY_ARTICLE when nothing live is hidden from them.
    Free articles need no scope: all their text is public. Worked out from the reader alone."""
    if not _is_signed_in(reader):
        return set()
    if reads_everything(reader):
        return EVERY_ARTICLE
    priced = Article.objects.published().exclude(visibility=Visibility.FREE).order_by()
    readable = readable_among(reader, priced)
    if not priced.exclude(pk__in=readable.values("pk")).exists():
        return EVERY_ARTICLE
    return set(readable.values_list("pk", flat=True))


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


def _marked_spans(text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """Where `text` says what the terms stand for: Latin words whose stem is a term ("teas" for
    tea), and Chinese terms wherever they occur; in order, without overlaps."""
    stems = {term for term in terms if not CJK.search(term)}
    spans = []
    if stems:
        spans += [match.span() for match in WORD.finditer(text) if stem(fold(match.group())) in stems]
    chinese = sorted((term for term in terms if CJK.search(term)), key=len, reverse=True)
    if chinese:
        spans += [match.span() for match in re.finditer("|".join(map(re.escape, chinese)), text)]
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if not kept or start >= kept[-1][1]:
            kept.append((start, end))
    return kept


def snippet(text: str, terms: Sequence[str], width: int = SNIPPET_CHARS) -> SafeString:
    """A short passage of `text` around the first term found, escaped, with terms in <mark>."""
    spans = _marked_spans(text, terms)
    start = 0 if not spans else max(0, spans[0][0] - width // 3)
    if start and not CJK.search(text[start:start + 1]):
        space = text.find(" ", start, start + 20)
        start = space + 1 if space != -1 else start
    end = min(len(text), start + width)
    out, position = [], start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        out.append(html.escape(text[position:span_start]))
        out.append("<mark>" + html.escape(text[span_start:span_end]) + "</mark>")
        position = span_end
    out.append(html.escape(text[position:end]))
    return mark_safe(("…" if start else "") + "".join(out) + ("…" if end < len(text) else ""))


def search_articles(
    *, reader: Any, query: str, lang: str | None = None, limit: int = PAGE_SIZE, offset: int = 0
) -> SearchResults:
    """Live articles matching every term of `query`, best first, with snippets.

    A reader without access to an article searches (and sees snippets from) its public text
    only; results, ranking, count and the work done are then the same whatever its locked part says.
    """
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    offset = max(0, offset)
    terms = query_terms(query)
    if not terms:
        return SearchResults(query=query, terms=[], count=0, offset=offset, limit=limit)
    documents = _live_documents(lang)
    scope = full_text_scope(reader)
    if scope is EVERY_ARTICLE:
        hits: dict[int, Any] = dict(
            _matching(documents, "full", terms).values_list("article_id", "article__published_at"))
        readable = set(hits)
    else:
        hits = dict(_matching(documents, "public", terms).values_list("article_id", "article__published_at"))
        readable = scope
        if scope:
            hits.update(_held_matching(documents, scope, terms).values_list("article_id", "article__published_at"))
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
        page.append(SearchHit(article=article, snippet=snippet(text, terms),
                              full_text=pk in readable or article.is_free, score=scores.get(pk, 0.0)))
    return SearchResults(query=query, terms=terms, count=count, offset=offset, limit=limit, hits=page)


# --- Other things a search finds besides articles ----------------------------------------------------------
# Apps above search (collections) add a function `(query) -> [ExtraResult, ...]` in their AppConfig.ready. They
# match public text only (titles, descriptions), so the answer is the same for every reader.


@dataclass(frozen=True)
class ExtraResult:
    kind: str  # a translated label, "Collection"
    title: str
    url: str
    meta: str = ""


EXTRA_RESULTS: list = []
EXTRA_LIMIT = 5


def extra_results(query: str) -> list[ExtraResult]:
    found: list[ExtraResult] = []
    for source in EXTRA_RESULTS:
        found += source(query)[:EXTRA_LIMIT]
    return found

"""Where entitlements that belong to a reader come from (purchases, memberships, kept gifts) and
how a request-borne grant (a gift link) is checked.

A source is a function `(reader, now) -> {reason: condition}` where each condition is an expression
over an article row (built with `OuterRef("pk")`): a boolean (`Exists`), or the id of the row that
grants it (a one-row `Subquery`), which then travels with the answer as `Entitlement.ref`. Each money or
sharing feature registers its own in SOURCES; `reasons_for` evaluates all of them for any number
of articles in ONE query, so `decision.decide` stays the single place that combines them and the
article page's query count does not grow with every new kind of entitlement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import connections, router
from django.utils import timezone

from byline.core import prepared

if TYPE_CHECKING:
    from django.db.models import Expression, QuerySet

    from byline.articles.models import Article

EntitlementSource = Callable[[Any, dt.datetime], dict[str, "Expression"]]

SOURCES: list[EntitlementSource] = []
GRANT_CHECKS: list[Callable[[Any, Article], bool]] = []


class Entitlement(NamedTuple):
    reason: str
    ref: int | None = None  # the id of the granting row (a purchase, say), where its source names it


# (reader id, {article id: entitlement or None}) answered in advance for one block of code; see `prefetched`.
_known: ContextVar[tuple[int, dict[int, Entitlement | None]] | None] = ContextVar("byline_entitlements",
                                                                                   default=None)


@contextmanager
def prefetched(reader: Any, articles: Sequence[Article]) -> Iterator[None]:
    """Answer, in one query now, every entitlement question about these articles asked inside the block.

    A page that shows an article and cards for related ones asks about both (`decide` for the
    article, `readable_ids` for the cards' badges); this keeps that to a single query. The answers
    live only for the block, so nothing outlives the request that asked.
    """
    if not getattr(reader, "is_authenticated", False) or not articles:
        yield
        return
    held = held_for(reader, articles)
    token = _known.set((reader.pk, {article.pk: held.get(article.pk) for article in articles}))
    try:
        yield
    finally:
        _known.reset(token)


def reasons_for(reader: Any, articles: Sequence[Article]) -> dict[int, str]:
    """{article_id: reason} for the priced articles the reader holds an entitlement to; the first
    registered source that applies names the reason."""
    return {pk: held.reason for pk, held in held_for(reader, articles).items()}


def held_for(reader: Any, articles: Sequence[Article]) -> dict[int, Entitlement]:
    """{article_id: entitlement} for the priced articles the reader holds an entitlement to; the first
    registered source that applies names the reason."""
    from byline.articles.models import Visibility

    ids = [article.pk for article in articles if article.visibility != Visibility.FREE]
    if not ids or not SOURCES:
        return {}
    known = _known.get()
    if known is not None and known[0] == reader.pk and all(pk in known[1] for pk in ids):
        return {pk: known[1][pk] for pk in ids if known[1][pk] is not None}
    now = timezone.now()
    compiled = _compiled_query(_bucket(len(ids)))
    if compiled is not None:
        # Padded with a repeat of the first id to the shape's length: `IN` ignores the repeats.
        padded = ids + ids[:1] * (_bucket(len(ids)) - len(ids))
        reasons, rows = compiled.run(reader_pk=reader.pk, ids=padded, now=now)
    else:
        query, reasons = _entitlement_query(reader, ids, now)
        rows = list(query)
    answers: dict[int, Entitlement] = {}
    for pk, *flags in rows:
        for reason, held in zip(reasons, flags, strict=True):
            if held:
                answers[pk] = Entitlement(reason, None if isinstance(held, bool) else held)
                break
    return answers


def every_reason(reader: Any, article: Article) -> set[str]:
    """Every reason the reader holds `article` by, not only the first (`held_for`): for a caller that must
    tell a lasting way in (a purchase) from one that ends (a subscription) when the reader has both."""
    from byline.articles.models import Visibility

    if article.visibility == Visibility.FREE or not SOURCES or not getattr(reader, "is_authenticated", False):
        return set()
    query, reasons = _entitlement_query(reader, [article.pk], timezone.now())
    return {reason for row in query for reason, held in zip(reasons, row[1:], strict=True) if held}


def held_by(readers: Sequence[Any], article: Article) -> dict[int, Entitlement]:
    """{reader_id: entitlement} for the readers among `readers` who hold one to `article`: the twin of
    `held_for` for one article and many readers (a newsletter's batch), in ONE query on PostgreSQL: the
    same compiled statement as a page asks, joined laterally to the list of readers. Where the query
    cannot be compiled (a source that needs more of the reader than its id), or on SQLite, each reader
    is asked through `held_for`."""
    from byline.articles.models import Visibility

    readers = [reader for reader in readers if getattr(reader, "is_authenticated", False)]
    if article.visibility == Visibility.FREE or not readers or not SOURCES:
        return {}
    compiled = _compiled_query(1)
    if compiled is None:
        return {reader.pk: held for reader in readers
                if (held := held_for(reader, [article]).get(article.pk)) is not None}
    connection = connections[compiled.alias]
    pieces = compiled.sql.split("%s")
    if connection.vendor != "postgresql" or len(pieces) != len(compiled.slots) + 1:
        # SQLite has no LATERAL; one small query per reader (a one-machine site's lists are short).
        return {reader.pk: held for reader in readers
                if (held := held_for(reader, [article]).get(article.pk)) is not None}
    # The page's statement once, with the reader's id read from a list of readers beside it (LATERAL):
    # one query and one plan for the whole batch.
    inputs = _inputs(connection, 0, [article.pk], timezone.now())
    sql, params = [pieces[0]], []
    for (kind, value), piece in zip(compiled.slots, pieces[1:], strict=True):
        if kind == _READER:
            sql.append("byline_readers.id")
        else:
            sql.append("%s")
            params.append(value if kind == "const" else article.pk if kind == _ID else inputs[kind])
        sql.append(piece)
    statement = (f"SELECT byline_readers.id, q.* FROM unnest(%s::bigint[]) AS byline_readers(id) "
                 f"CROSS JOIN LATERAL ({''.join(sql)}) q")
    with connection.cursor() as cursor:
        cursor.execute(statement, [[reader.pk for reader in readers], *params])
        rows = cursor.fetchall()
    answers: dict[int, Entitlement] = {}
    for reader_pk, _pk, *flags in rows:
        for reason, held in zip(compiled.reasons, flags, strict=True):
            if held:
                answers[reader_pk] = Entitlement(reason, None if isinstance(held, bool) else held)
                break
    return answers


def _entitlement_query(reader: Any, ids: Sequence[int], now: dt.datetime) -> tuple[QuerySet, list[str]]:
    """The one query: every source's conditions, annotated on the articles `ids`. This is the definition;
    `_compiled_query` only saves rebuilding it."""
    from byline.articles.models import Article

    conditions: dict[str, Expression] = {}
    for source in SOURCES:
        for reason, condition in source(reader, now).items():
            conditions.setdefault(reason, condition)
    aliases = {f"entitled_{index}": reason for index, reason in enumerate(conditions)}
    query = (Article.objects.filter(pk__in=ids)
             .annotate(**{alias: conditions[reason] for alias, reason in aliases.items()})
             .order_by().values_list("pk", *aliases))
    return query, list(aliases.values())


# --- The same query, compiled once per shape ---------------------------------------------------------
# Building the query through the ORM costs more than running it (about 0.8 ms against 0.3 ms on an
# article page). Its SQL depends only on the registered sources and the number of ids; the reader,
# the ids and the time are parameters. `_compile` finds which parameter is which by compiling the
# query twice with different stand-in values, and gives up (the ORM path is used) if any parameter
# changes in a way it cannot explain, so a source that derives another value from `now` or the
# reader can never be answered with stale constants.


@dataclass(frozen=True)
class _StandIn:
    pk: int
    is_authenticated: bool = True
    is_active: bool = True


_READER, _NOW, _NOW_ADAPTED, _ID, _IDS = "reader", "now", "now-adapted", "id", "ids"


@dataclass(frozen=True)
class _CompiledQuery:
    alias: str
    sql: str
    slots: tuple[tuple[str, Any], ...]  # (kind, value): a constant, or which input goes there
    reasons: list[str]

    def run(self, *, reader_pk: int, ids: Sequence[int], now: dt.datetime) -> tuple[list[str], list[tuple]]:
        connection = connections[self.alias]
        inputs = _inputs(connection, reader_pk, ids, now)
        params = [value if kind == "const" else ids[value] if kind == _ID else inputs[kind]
                  for kind, value in self.slots]
        with prepared.cursor(connection) as cursor:  # parsed and planned once per connection
            cursor.execute(self.sql, params)
            return self.reasons, cursor.fetchall()


def _inputs(connection: Any, reader_pk: int, ids: Sequence[int], now: dt.datetime) -> dict[str, Any]:
    """What each kind of slot stands for (`now` also as the backend stores it: SQLite gets text)."""
    return {_READER: reader_pk, _NOW: now, _NOW_ADAPTED: connection.ops.adapt_datetimefield_value(now),
            _IDS: list(ids)}


_compiled: dict[tuple, _CompiledQuery | None] = {}


def _bucket(count: int) -> int:
    """The list length a query is compiled (and, on PostgreSQL, prepared) for: the next power of two, so a
    connection holds a handful of statements (1, 2, 4, ... 64 ids) rather than one per list length."""
    return 1 << max(0, count - 1).bit_length()


def _compiled_query(count: int) -> _CompiledQuery | None:
    from byline.articles.models import Article

    alias = router.db_for_read(Article)
    shape = (count, tuple(SOURCES), alias, connections[alias].vendor)
    if shape not in _compiled:
        _compiled[shape] = _compile(count, alias)
    return _compiled[shape]


def _compile(count: int, alias: str) -> _CompiledQuery | None:
    samples = []
    for reader_pk, first_id, now in ((-1_000_001, -2_000_001, dt.datetime(2001, 1, 1, tzinfo=dt.UTC)),
                                     (-1_000_002, -3_000_001, dt.datetime(2002, 2, 2, tzinfo=dt.UTC))):
        ids = [first_id - index for index in range(count)]
        try:
            query, reasons = _entitlement_query(_StandIn(pk=reader_pk), ids, now)
            sql, params = query.using(alias).query.sql_with_params()
        except Exception:  # a source that needs more of the reader than its id: stay with the ORM
            return None
        samples.append((_inputs(connections[alias], reader_pk, ids, now), sql, list(params), reasons))
    (inputs_a, sql_a, params_a, reasons), (inputs_b, sql_b, params_b, _) = samples
    if sql_a != sql_b or len(params_a) != len(params_b):
        return None
    slots: list[tuple[str, Any]] = []
    for a, b in zip(params_a, params_b, strict=True):
        if a == b:
            slots.append(("const", a))
        elif a == inputs_a[_READER] and b == inputs_b[_READER]:
            slots.append((_READER, None))
        elif a == inputs_a[_NOW] and b == inputs_b[_NOW]:
            slots.append((_NOW, None))
        elif a == inputs_a[_NOW_ADAPTED] and b == inputs_b[_NOW_ADAPTED]:
            slots.append((_NOW_ADAPTED, None))
        elif a == inputs_a[_IDS] and b == inputs_b[_IDS]:
            slots.append((_IDS, None))
        elif a in inputs_a[_IDS] and b == inputs_b[_IDS][inputs_a[_IDS].index(a)]:
            slots.append((_ID, inputs_a[_IDS].index(a)))
        else:
            return None
    return _CompiledQuery(alias=alias, sql=sql_a, slots=tuple(slots), reasons=reasons)


def grant_is_valid(grant: Any, article: Article) -> bool:
    return any(check(grant, article) for check in GRANT_CHECKS)

"""Where entitlements that belong to a reader come from (purchases, memberships, kept gifts) and
how a request-borne grant (a gift link) is checked.

A source is a function `(reader) -> {reason: condition}` where each condition is a boolean
expression over an article row (built with `OuterRef("pk")`, usually an `Exists`). Each money or
sharing feature registers its own in SOURCES; `reasons_for` evaluates all of them for any number
of articles in ONE query, so `decision.decide` stays the single place that combines them and the
article page's query count does not grow with every new kind of entitlement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import Expression

    from byline.articles.models import Article

EntitlementSource = Callable[[Any], dict[str, "Expression"]]

SOURCES: list[EntitlementSource] = []
GRANT_CHECKS: list[Callable[[Any, Article], bool]] = []

# (reader id, {article id: reason or None}) answered in advance for one block of code; see `prefetched`.
_known: ContextVar[tuple[int, dict[int, str | None]] | None] = ContextVar("byline_entitlements", default=None)


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
    reasons = reasons_for(reader, articles)
    token = _known.set((reader.pk, {article.pk: reasons.get(article.pk) for article in articles}))
    try:
        yield
    finally:
        _known.reset(token)


def reasons_for(reader: Any, articles: Sequence[Article]) -> dict[int, str]:
    """{article_id: reason} for the priced articles the reader holds an entitlement to; the first
    registered source that applies names the reason."""
    from byline.articles.models import Article, Visibility

    ids = [article.pk for article in articles if article.visibility != Visibility.FREE]
    if not ids or not SOURCES:
        return {}
    known = _known.get()
    if known is not None and known[0] == reader.pk and all(pk in known[1] for pk in ids):
        return {pk: known[1][pk] for pk in ids if known[1][pk] is not None}
    conditions: dict[str, Expression] = {}
    for source in SOURCES:
        for reason, condition in source(reader).items():
            conditions.setdefault(reason, condition)
    aliases = {f"entitled_{index}": reason for index, reason in enumerate(conditions)}
    rows = (Article.objects.filter(pk__in=ids)
            .annotate(**{alias: conditions[reason] for alias, reason in aliases.items()})
            .values_list("pk", *aliases))
    reasons: dict[int, str] = {}
    for pk, *flags in rows:
        for reason, held in zip(aliases.values(), flags, strict=True):
            if held:
                reasons[pk] = reason
                break
    return reasons


def grant_is_valid(grant: Any, article: Article) -> bool:
    return any(check(grant, article) for check in GRANT_CHECKS)

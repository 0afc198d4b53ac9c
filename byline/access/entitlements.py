"""Where entitlements that belong to a reader come from (purchases, memberships, kept gifts) and
how a request-borne grant (a gift link) is checked.

A source is a function `(reader) -> {reason: condition}` where each condition is a boolean
expression over an article row (built with `OuterRef("pk")`, usually an `Exists`). Each money or
sharing feature registers its own in SOURCES; `reasons_for` evaluates all of them for any number
of articles in ONE query, so `decision.decide` stays the single place that combines them and the
article page's query count does not grow with every new kind of entitlement.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import Expression

    from byline.articles.models import Article

EntitlementSource = Callable[[Any], dict[str, "Expression"]]

SOURCES: list[EntitlementSource] = []
GRANT_CHECKS: list[Callable[[Any, Article], bool]] = []


def reasons_for(reader: Any, articles: Sequence[Article]) -> dict[int, str]:
    """{article_id: reason} for the priced articles the reader holds an entitlement to; the first
    registered source that applies names the reason."""
    from byline.articles.models import Article, Visibility

    ids = [article.pk for article in articles if article.visibility != Visibility.FREE]
    if not ids or not SOURCES:
        return {}
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

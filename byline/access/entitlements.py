"""Where entitlements that belong to a reader come from (purchases, memberships) and how a
request-borne grant (a gift link) is checked.

Sources are plain functions `(reader, articles) -> {article_id: reason}` listed in SOURCES;
each money or sharing feature adds its own here, so `decision.decide` stays the single
place that combines them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from byline.articles.models import Article

EntitlementSource = Callable[[Any, Sequence["Article"]], dict[int, str]]

SOURCES: list[EntitlementSource] = []
GRANT_CHECKS: list[Callable[[Any, Article], bool]] = []


def reasons_for(reader: Any, articles: Sequence[Article]) -> dict[int, str]:
    reasons: dict[int, str] = {}
    if not articles:
        return reasons
    for source in SOURCES:
        for article_id, reason in source(reader, articles).items():
            reasons.setdefault(article_id, reason)
    return reasons


def grant_is_valid(grant: Any, article: Article) -> bool:
    return any(check(grant, article) for check in GRANT_CHECKS)

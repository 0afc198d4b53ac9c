"""The one access decision: may this reader see the locked part of this article, and why.

Every surface that could show locked text (pages, feeds, API, search, audio, e-mail, share
tags, error pages) asks `decide` or its batch twin `readable_ids`, and shows `locked_html`
only when the answer allows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from byline.access import entitlements

if TYPE_CHECKING:
    from byline.articles.models import Article


class Reason(StrEnum):
    FREE = "free"
    AUTHOR = "author"
    STAFF = "staff"
    PURCHASE = "purchase"
    MEMBERSHIP = "membership"
    GIFT = "gift"
    LOCKED = "locked"


@dataclass(frozen=True)
class Access:
    allowed: bool
    reason: Reason
    # The id of the row that grants it, where its entitlement source names one (a purchase's id).
    ref: int | None = field(default=None, compare=False)

    def __bool__(self) -> bool:
        return self.allowed


LOCKED = Access(False, Reason.LOCKED)
READ_ALL_PERMISSION = "articles.read_all_articles"


def _is_signed_in(reader: Any) -> bool:
    return reader is not None and getattr(reader, "is_authenticated", False)


def _owner_reason(reader: Any, article: Article) -> Reason | None:
    if not _is_signed_in(reader) or not reader.is_active:
        return None
    if article.author.user_id == reader.pk:
        return Reason.AUTHOR
    # has_perm costs two queries; ask it only of staff who are not the author.
    if reader.is_superuser or (reader.is_staff and reader.has_perm(READ_ALL_PERMISSION)):
        return Reason.STAFF
    return None


def decide(reader: Any, article: Article, grant: Any = None) -> Access:
    """Whether `reader` (a user, AnonymousUser or None) may read the locked part of `article`.

    `grant` is an entitlement carried by the request rather than the account (a gift token);
    it counts only if it is valid for this very article. Free articles are open to all; drafts
    and scheduled pieces are readable only by their author and staff.
    """
    owner = _owner_reason(reader, article)
    if owner is not None:
        return Access(True, owner)
    if not article.is_live:
        return LOCKED
    if article.is_free:
        return Access(True, Reason.FREE)
    if grant is not None and entitlements.grant_is_valid(grant, article):
        return Access(True, Reason.GIFT)
    if _is_signed_in(reader) and reader.is_active:
        held = entitlements.held_for(reader, [article]).get(article.pk)
        if held is not None:
            return Access(True, Reason(held.reason), ref=held.ref)
    return LOCKED


def readable_ids(reader: Any, articles: Iterable[Article]) -> set[int]:
    """The ids among `articles` whose locked part `reader` may read, in a fixed number of queries."""
    articles = list(articles)
    readable = {a.pk for a in articles if a.is_live and a.is_free}
    rest = [a for a in articles if a.pk not in readable]
    if not rest or not _is_signed_in(reader) or not reader.is_active:
        return readable
    for article in rest:
        if _owner_reason(reader, article) is not None:
            readable.add(article.pk)
    candidates = [a for a in rest if a.pk not in readable and a.is_live]
    readable.update(entitlements.reasons_for(reader, candidates))
    return readable

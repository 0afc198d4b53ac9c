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

from django.core.exceptions import FieldError
from django.db.models import BooleanField, Exists, Q
from django.utils import timezone

from byline.access import entitlements

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from byline.articles.models import Article


class Reason(StrEnum):
    FREE = "free"
    AUTHOR = "author"
    STAFF = "staff"
    PURCHASE = "purchase"
    MEMBERSHIP = "membership"
    GIFT = "gift"
    GIFTED = "gifted"  # a paid gift (byline/gifts) the reader claimed: bought for them by someone else
    COLLECTION = "collection"
    AUTHOR_SUBSCRIPTION = "author_subscription"  # byline/subscriptions: a subscription to the article's writer
    FAIR_PRICE = "fair_price"  # byline/subscriptions: this month's purchases from the writer reached the cap
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


def _reads_everything(reader: Any) -> bool:
    # has_perm costs two queries; ask it only of staff.
    return reader.is_superuser or (reader.is_staff and reader.has_perm(READ_ALL_PERMISSION))


def _owner_reason(reader: Any, article: Article) -> Reason | None:
    if not _is_signed_in(reader) or not reader.is_active:
        return None
    if article.author.user_id == reader.pk:
        return Reason.AUTHOR
    if _reads_everything(reader):
        return Reason.STAFF
    return None


def reads_everything(reader: Any) -> bool:
    """Whether `reader` may read the locked part of every article (staff who may: `decide` says STAFF)."""
    return _is_signed_in(reader) and reader.is_active and _reads_everything(reader)


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


def decide_many(readers: Iterable[Any], article: Article) -> dict[int, Access]:
    """`decide(reader, article)` (no grant) for many readers of one article, keyed by reader id, with one
    entitlement query for all of them (`entitlements.held_by`): a newsletter batch. The same rules, in the
    same order, as `decide`."""
    answers: dict[int, Access] = {}
    ask: list[Any] = []
    for reader in readers:
        owner = _owner_reason(reader, article)
        if owner is not None:
            answers[reader.pk] = Access(True, owner)
        elif not article.is_live:
            answers[reader.pk] = LOCKED
        elif article.is_free:
            answers[reader.pk] = Access(True, Reason.FREE)
        elif _is_signed_in(reader) and reader.is_active:
            ask.append(reader)
        else:
            answers[reader.pk] = LOCKED
    held = entitlements.held_by(ask, article) if ask else {}
    for reader in ask:
        entitlement = held.get(reader.pk)
        answers[reader.pk] = (Access(True, Reason(entitlement.reason), ref=entitlement.ref)
                              if entitlement is not None else LOCKED)
    return answers


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


def readable_among(reader: Any, articles: QuerySet[Article]) -> QuerySet[Article]:
    """The articles of `articles` whose locked part `reader` may read, as a queryset to filter by inside a
    larger query (search): the twin of `readable_ids` for a set too large to load. The same rules as
    `decide` without a grant: the reader's own articles and, for staff, every one; then live articles
    that are free or that an entitlement source grants. Its cost depends on the reader and the
    articles, never on anything else a caller filters by.
    """
    from byline.articles.models import LIVE_STATUSES, Visibility

    if not _is_signed_in(reader) or not reader.is_active:
        return articles.filter(status__in=LIVE_STATUSES, published_at__lte=timezone.now(), visibility=Visibility.FREE)
    if _reads_everything(reader):
        return articles
    now = timezone.now()
    conditions: dict[str, Any] = {}
    for source in entitlements.SOURCES:
        for condition in source(reader, now).values():
            conditions[f"entitled_{len(conditions)}"] = condition
    held = Q(visibility=Visibility.FREE)
    for alias, condition in conditions.items():
        # A source's condition is a boolean (Exists) or the id of the row that grants (a Subquery).
        held |= Q(**{alias: True}) if _is_boolean(condition) else Q(**{f"{alias}__isnull": False})
    live = Q(status__in=LIVE_STATUSES, published_at__lte=now)
    return articles.alias(**conditions).filter(Q(author__user_id=reader.pk) | (live & held))


def _is_boolean(condition: Any) -> bool:
    if isinstance(condition, Exists):
        return True
    try:
        return isinstance(condition.output_field, BooleanField)
    except (AttributeError, FieldError):
        return False

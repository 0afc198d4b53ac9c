"""Reads: what a reader owns (for the access decision), their purchases, and what the pages show."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from byline.articles.models import Article
from byline.core.local_cache import LocalCache
from byline.purchases.models import Membership, MembershipStatus, Purchase, PurchaseStatus

PURCHASE, MEMBERSHIP = "purchase", "membership"
LIST_LIMIT = 200


def entitlement_conditions(reader: Any, now: dt.datetime) -> dict[str, Subquery | Exists]:
    """The reader's purchase and membership, as conditions over an article row, for access.entitlements.

    A purchase opens its article (the condition is the purchase's id, so the page knows which purchase
    without asking again); an active membership (at `now`) opens every paid and members-only article.
    """
    bought = Purchase.objects.filter(reader_id=reader.pk, article_id=OuterRef("pk"), status=PurchaseStatus.ACTIVE)
    member = Membership.objects.filter(reader_id=reader.pk, status=MembershipStatus.ACTIVE, period_end__gt=now)
    # At most one active purchase per reader and article (a unique constraint), so no order is needed.
    return {PURCHASE: Subquery(bought.order_by().values("pk")[:1]), MEMBERSHIP: Exists(member)}


# What never changes about a purchase once made: its id, when, and for how much (Purchase.only() of
# those), so each process may remember them for good. With the access decision naming the reader's
# active purchase in the same request, a bought article's page then asks nothing more about undoing:
# neither inside the undo window nor after it.
purchase_terms = LocalCache(size=50_000, ttl=24 * 3600)
_TERMS = ("pk", "created_at", "price_minor", "currency")


def undoable_purchase(*, reader: Any, article: Article, purchase_id: int | None = None,
                      now: dt.datetime | None = None) -> Purchase | None:
    """The reader's purchase of this article if it may still be undone (inside the undo window).

    `purchase_id`, where known, must be the reader's *active* purchase of this article, as the access
    decision named it in this request (Access.ref); its terms then come from this process's memory.
    """
    from django.conf import settings

    now = now or timezone.now()
    since = now - dt.timedelta(seconds=settings.UNDO_WINDOW_SECONDS)
    if purchase_id is None:
        return (Purchase.objects.filter(reader_id=reader.pk, article_id=article.pk, status=PurchaseStatus.ACTIVE,
                                        created_at__gt=since).only(*_TERMS).first())
    key = str(purchase_id)
    terms = purchase_terms.get(key)
    if terms is None:
        terms = Purchase.objects.only(*_TERMS).filter(pk=purchase_id, reader_id=reader.pk,
                                                      article_id=article.pk).first()
        if terms is None:
            return None
        purchase_terms.set(key, terms)
    return terms if terms.created_at > since else None


def purchases_of(*, reader: Any, limit: int = LIST_LIMIT) -> list[Purchase]:
    return list(Purchase.objects.filter(reader=reader).select_related("article", "transfer")[:limit])


def purchases_queryset(*, reader: Any):
    """The reader's own purchases, with their articles."""
    return Purchase.objects.filter(reader=reader).select_related("article", "transfer")

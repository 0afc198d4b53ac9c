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


# Purchases seen past their undo window (or no longer active). Neither ever turns back, so each
# process may remember them for good, and a bought article's page asks no more about undoing.
settled_purchases = LocalCache(size=50_000, ttl=24 * 3600)


def undoable_purchase(*, reader: Any, article: Article, purchase_id: int | None = None,
                      now: dt.datetime | None = None) -> Purchase | None:
    """The reader's purchase of this article if it may still be undone (inside the undo window).

    `purchase_id`, where known (the access decision names it), spares the query once that purchase has settled.
    """
    from django.conf import settings

    settled_key = f"{purchase_id}"
    if purchase_id is not None and settled_purchases.get(settled_key):
        return None
    now = now or timezone.now()
    since = now - dt.timedelta(seconds=settings.UNDO_WINDOW_SECONDS)
    undoable = (Purchase.objects.filter(reader_id=reader.pk, article_id=article.pk, status=PurchaseStatus.ACTIVE,
                                        created_at__gt=since)
                .only("pk", "created_at", "price_minor", "currency").first())
    if undoable is None and purchase_id is not None:
        settled_purchases.set(settled_key, True)
    return undoable


def purchases_of(*, reader: Any, limit: int = LIST_LIMIT) -> list[Purchase]:
    return list(Purchase.objects.filter(reader=reader).select_related("article", "transfer")[:limit])

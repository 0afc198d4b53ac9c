"""Reads: what a reader owns (for the access decision), their purchases, and what the pages show."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from byline.articles.models import Article
from byline.purchases.models import Membership, MembershipStatus, Purchase, PurchaseStatus

PURCHASE, MEMBERSHIP = "purchase", "membership"
LIST_LIMIT = 200


def entitlement_conditions(reader: Any, now: dt.datetime) -> dict[str, Exists]:
    """The reader's purchase and membership, as conditions over an article row, for access.entitlements.

    A purchase opens its article; an active membership (at `now`) opens every paid and members-only article.
    """
    bought = Purchase.objects.filter(reader_id=reader.pk, article_id=OuterRef("pk"), status=PurchaseStatus.ACTIVE)
    member = Membership.objects.filter(reader_id=reader.pk, status=MembershipStatus.ACTIVE, period_end__gt=now)
    return {PURCHASE: Exists(bought), MEMBERSHIP: Exists(member)}


def undoable_purchase(*, reader: Any, article: Article, now: dt.datetime | None = None) -> Purchase | None:
    """The reader's purchase of this article if it may still be undone (inside the undo window)."""
    from django.conf import settings

    now = now or timezone.now()
    since = now - dt.timedelta(seconds=settings.UNDO_WINDOW_SECONDS)
    return (Purchase.objects.filter(reader_id=reader.pk, article_id=article.pk, status=PurchaseStatus.ACTIVE,
                                    created_at__gt=since).only("pk", "created_at", "price_minor", "currency").first())


def purchases_of(*, reader: Any, limit: int = LIST_LIMIT) -> list[Purchase]:
    return list(Purchase.objects.filter(reader=reader).select_related("article", "transfer")[:limit])

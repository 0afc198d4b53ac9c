"""Reads: a claimed article gift as an entitlement, and the gifts a reader bought or may claim."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import OuterRef, Subquery

from byline.gifts.models import GiftKind, GiftState, PaidGift

GIFTED = "gifted"  # access.decision.Reason.GIFTED
LIST_LIMIT = 200


def entitlement_conditions(reader: Any, now: dt.datetime) -> dict[str, Subquery]:
    """An article someone bought for this reader and they claimed: like a purchase (the condition is the
    gift's id). A gift paid but not claimed, or taken back before its claim, grants nothing; a claimed
    gift cannot be taken back. (A membership gift needs no source of its own: its claim gives the
    reader a membership period, which the membership source already reads.)"""
    claimed = PaidGift.objects.filter(recipient_id=reader.pk, article_id=OuterRef("pk"), kind=GiftKind.ARTICLE,
                                      state=GiftState.CLAIMED)
    return {GIFTED: Subquery(claimed.order_by().values("pk")[:1])}


def gifts_bought(*, buyer: Any, limit: int = LIST_LIMIT) -> list[PaidGift]:
    return list(PaidGift.objects.filter(buyer=buyer).exclude(state=GiftState.AWAITING)
                .select_related("article", "plan", "collection", "author", "recipient")[:limit])


def gifts_received(*, reader: Any, limit: int = LIST_LIMIT) -> list[PaidGift]:
    return list(PaidGift.objects.filter(recipient=reader)
                .select_related("article", "plan", "collection", "author", "buyer")[:limit])


def gift_by_token(token: str) -> PaidGift | None:
    if not token or len(token) > 64:
        return None
    return (PaidGift.objects.select_related("article__author", "plan", "collection__author", "author", "buyer",
                                            "recipient").filter(token=token).first())


def paid_key(gift_id: int, paid_by: str = "") -> str:
    """The key of the transfer that paid gift `gift_id`: from the wallet, or by the card checkout `paid_by`."""
    return f"gift-paid:{gift_id}" + (f":{paid_by}" if paid_by else "")

"""Gifts in the access decision.

- A signed-in reader who redeemed a gift keeps the article after the link is withdrawn or expires
  (`gift_conditions` is an entitlement source, like a purchase), but not after the gift has ended
  with the purchase it came from (undone or refunded: the money went back, so the gift goes too).
- An anonymous browser keeps it while the link lives: the browser holds a random key in a signed
  cookie; the request's `GiftGrant` carries only that key's hash, and `gift_grant_is_valid` accepts
  it for an article only if that browser redeemed a gift for this very article that is neither
  revoked, expired nor ended.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from byline.sharing.models import GiftRedemption

GIFT_COOKIE = "byline_gift"
_SALT = "byline.sharing.gift-browser"


@dataclass(frozen=True)
class GiftGrant:
    browser_key_hash: str


def hash_browser_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_browser_key() -> str:
    return secrets.token_urlsafe(24)


def browser_key_from(request: HttpRequest) -> str | None:
    raw = request.COOKIES.get(GIFT_COOKIE)
    if not raw:
        return None
    try:
        return signing.loads(raw, salt=_SALT)
    except signing.BadSignature:
        return None


def grant_from_request(request: HttpRequest) -> GiftGrant | None:
    """The gift grant this browser carries, if its cookie is genuine."""
    key = browser_key_from(request)
    return GiftGrant(hash_browser_key(key)) if key else None


def store_browser_key(response: HttpResponse, key: str, *, max_age: int) -> None:
    response.set_cookie(GIFT_COOKIE, signing.dumps(key, salt=_SALT), max_age=max(60, max_age),
                        httponly=True, samesite="Lax", secure=not _plain_http_allowed())


def _plain_http_allowed() -> bool:
    from django.conf import settings

    return not settings.SESSION_COOKIE_SECURE


def gift_grant_is_valid(grant: Any, article) -> bool:
    if not isinstance(grant, GiftGrant) or article.pk is None:
        return False
    return GiftRedemption.objects.filter(
        browser_key_hash=grant.browser_key_hash,
        gift__article_id=article.pk,
        gift__revoked_at__isnull=True,
        gift__ended_at__isnull=True,
        gift__expires_at__gt=timezone.now(),
    ).exists()


def gift_conditions(reader: Any, now: Any) -> dict[str, Exists]:
    """A signed-in reader who redeemed a gift keeps that article unless the gift ended: the condition over
    an article row."""
    return {"gift": Exists(GiftRedemption.objects.filter(recipient_id=reader.pk, gift__article_id=OuterRef("pk"),
                                                         gift__ended_at__isnull=True))}
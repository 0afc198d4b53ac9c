"""Reads for the API app: who a token or feed secret belongs to, and a reader's tokens."""

from __future__ import annotations

from typing import Any

from byline.api.models import ApiToken, PrivateFeedKey
from byline.api.services import TOKEN_PREFIX, hash_secret
from byline.articles.models import Author

MAX_SECRET_LENGTH = 100


def active_token(raw: str) -> ApiToken | None:
    """The active token matching `raw` (with its active owner), or None."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > MAX_SECRET_LENGTH:
        return None
    token = (ApiToken.objects.select_related("owner")
             .filter(token_hash=hash_secret(raw), revoked_at__isnull=True).first())
    if token is None or not token.owner.is_active:
        return None
    return token


def tokens_of(*, owner: Any) -> list[ApiToken]:
    return list(ApiToken.objects.filter(owner=owner))


def private_feed_owner(secret: str) -> Any | None:
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return None
    key = PrivateFeedKey.objects.select_related("owner").filter(secret_hash=hash_secret(secret)).first()
    if key is None or not key.owner.is_active:
        return None
    return key.owner


def writes_articles(*, owner: Any) -> bool:
    """Whether the owner is an author, and so has articles a token could write."""
    return Author.objects.filter(user=owner).exists()


def has_private_feed(*, owner: Any) -> bool:
    return PrivateFeedKey.objects.filter(owner=owner).exists()

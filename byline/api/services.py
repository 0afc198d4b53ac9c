"""Writes for the API app: issuing and revoking personal tokens and private feed keys."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from byline.api.models import ApiToken, PrivateFeedKey, Scope
from byline.articles.models import Article, Author, Status, Topic
from byline.articles.services import ArticleData, upsert_article

TOKEN_PREFIX = "byl_"
MAX_ACTIVE_TOKENS = 20
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


class TooManyTokens(Exception):
    pass


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_api_token(*, owner: Any, name: str, scopes: Iterable[str] = (Scope.READ,)) -> tuple[ApiToken, str]:
    """A new token for `owner` that may do what `scopes` name and nothing else; returns the row and the token
    itself, which is never stored. ValueError for no scope or an unknown one."""
    chosen = set(scopes)
    if not chosen or not chosen <= set(Scope.values):
        raise ValueError(f"scopes must be some of {Scope.values}, not {sorted(chosen)}")
    if ApiToken.objects.filter(owner=owner, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise TooManyTokens
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(owner=owner, name=name.strip()[:80], token_hash=hash_secret(raw), prefix=raw[:10],
                                    scopes=" ".join(scope for scope in Scope.values if scope in chosen))
    return token, raw


def revoke_api_token(*, owner: Any, token_id: int) -> bool:
    """Revoke one of the owner's tokens; False when there is no such active token."""
    return bool(
        ApiToken.objects.filter(owner=owner, pk=token_id, revoked_at__isnull=True).update(revoked_at=timezone.now())
    )


def record_token_use(*, token: ApiToken) -> None:
    """Note when a token was last used, writing at most once every few minutes per token."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def rotate_private_feed_key(*, owner: Any) -> str:
    """A new secret for the owner's private feed URL; the previous URL stops working at once."""
    raw = secrets.token_urlsafe(24)
    PrivateFeedKey.objects.update_or_create(owner=owner, defaults={"secret_hash": hash_secret(raw)})
    return raw


def revoke_private_feed_key(*, owner: Any) -> None:
    PrivateFeedKey.objects.filter(owner=owner).delete()


# Authoring through the API: thin wrappers over articles.services.upsert_article, which
# validates the whole article, renders it and (through the search signal) reindexes it.

def _data_from(article: Article, **changes: Any) -> ArticleData:
    values = {
        "title": article.title, "slug": article.slug, "lang": article.lang, "topic": article.topic,
        "author": article.author, "body_markdown": article.body_markdown, "price_minor": article.price_minor,
        "currency": article.currency, "prices": article.prices, "visibility": article.visibility,
        "status": article.status,
        "published_at": article.published_at,
    }
    values.update(changes)
    return ArticleData(**values)


class SlugTaken(Exception):
    pass


@transaction.atomic
def create_draft(*, author: Author, topic: Topic, title: str, slug: str, lang: str, body_markdown: str,
                 visibility: str, price_minor: int, currency: str, own_prices: dict[str, int] | None = None) -> Article:
    """A new draft by `author`; SlugTaken when the slug is in use."""
    if Article.objects.filter(slug=slug).exists():
        raise SlugTaken
    data = ArticleData(title=title, slug=slug, lang=lang, topic=topic, author=author, body_markdown=body_markdown,
                       visibility=visibility, price_minor=price_minor, currency=currency, prices=own_prices or {},
                       status=Status.DRAFT)
    article, _ = upsert_article(data)
    return article


def update_article(*, article: Article, **changes: Any) -> Article:
    """Change title, language, topic or text; everything else stays as it is."""
    return upsert_article(_data_from(article, **changes))[0]


def set_price(*, article: Article, visibility: str, price_minor: int, currency: str,
              own_prices: dict[str, int] | None = None) -> Article:
    """The main price and the author's own prices in other currencies (those left out are converted)."""
    return upsert_article(_data_from(article, visibility=visibility, price_minor=price_minor, currency=currency,
                                     prices=own_prices or {}))[0]


def publish_article(*, article: Article, at: dt.datetime | None = None) -> Article:
    """Publish now, or schedule for `at` when it lies in the future."""
    now = timezone.now()
    when = at or now
    status = Status.SCHEDULED if when > now else Status.PUBLISHED
    return upsert_article(_data_from(article, status=status, published_at=when))[0]

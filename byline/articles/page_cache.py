"""The shared cache of anonymous article pages.

A page is cached only for a request that carries no session and no pending messages, so
the cached bytes are the same for every such reader. The key names the article's version,
the interface language and the reading preferences, so an edit or a mode change never
serves a stale or wrong page.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import get_language

from byline.articles import selectors
from byline.articles.models import Article
from byline.core import read_ahead
from byline.sharing.grants import GIFT_COOKIE


def is_cacheable(request: HttpRequest) -> bool:
    return (
        request.method == "GET"
        and not request.GET
        and not request.user.is_authenticated
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and GIFT_COOKIE not in request.COOKIES  # a browser holding gifts may get full text: never cache it
    )


STAMP_SECONDS = 300


def stamp_key(slug: str) -> str:
    return f"page:stamp:{slug}"


def stamp_for(slug: str) -> Article | None:
    """The article (without its long texts: `selectors.article_stamp`), from the cache when it can be.

    A cached anonymous page then costs no database query at all, and a signed-in reader's page one
    query fewer. Every save or delete of the article forgets the stamp (`forget_stamp`), so a new
    version is never hidden behind it; a renamed author or topic shows within STAMP_SECONDS.
    """
    stamp = read_ahead.get(stamp_key(slug))
    if stamp is None:
        stamp = selectors.article_stamp(slug=slug)
        if stamp is not None:
            cache.set(stamp_key(slug), stamp, STAMP_SECONDS)
    return stamp


def forget_stamp(slug: str) -> None:
    cache.delete(stamp_key(slug))


def key_for(article: Article, request: HttpRequest) -> str:
    return f"page:article:{article.pk}:v{article.version}:{get_language()}:{request.reading.cache_key}"


def get(article: Article, request: HttpRequest) -> bytes | None:
    return cache.get(key_for(article, request))


def put(article: Article, request: HttpRequest, content: bytes) -> None:
    cache.set(key_for(article, request), content, settings.ARTICLE_PAGE_CACHE_SECONDS)

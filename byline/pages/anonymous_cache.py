"""The shared cache of anonymous article pages.

A page is cached only for a request that carries no session and no pending messages, so
the cached bytes are the same for every such reader. The key names the article's version,
the interface language and the reading preferences, so an edit or a mode change never
serves a stale or wrong page, as long as the stamp that names the version is current
(articles/page_cache.py: the stamp and the generations a write replaces).
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import get_language

from byline.articles.models import Article
from byline.articles.page_cache import parts_generation_of
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


def key_for(article: Article, request: HttpRequest) -> str:
    return (f"page:article:{article.pk}:v{article.version}:{get_language()}:{request.reading.cache_key}"
            f":{parts_generation_of(request, article)}")


def get(article: Article, request: HttpRequest) -> bytes | None:
    return cache.get(key_for(article, request))


def put(article: Article, request: HttpRequest, content: bytes) -> None:
    cache.set(key_for(article, request), content, settings.ARTICLE_PAGE_CACHE_SECONDS)

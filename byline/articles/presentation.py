"""What an article says about itself to crawlers and share previews: built from the preview alone."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.html import mark_safe
from django.utils.safestring import SafeString

from byline.articles.models import Article
from byline.articles.selectors import locked_html_as_decided
from byline.articles.text import excerpt

LOCKED_SECTION_CLASS = "locked-content"
_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@dataclass(frozen=True)
class ArticleMeta:
    url: str
    description: str
    json_ld: SafeString


def absolute_url(request: HttpRequest | None, path: str) -> str:
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL + path


def canonical_url(article: Article, request: HttpRequest | None) -> str:
    # A piece first published elsewhere names that original (set by its author in the writing studio).
    return article.canonical_url or absolute_url(request, article.get_absolute_url())


def article_meta(article: Article, request: HttpRequest | None) -> ArticleMeta:
    url = canonical_url(article, request)
    description = article.description or excerpt(article.preview_text, 200)
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": description,
        "inLanguage": article.lang,
        "url": url,
        "mainEntityOfPage": url,
        "datePublished": article.published_at.isoformat() if article.published_at else None,
        "dateModified": article.updated_at.isoformat() if article.updated_at else None,
        "author": {"@type": "Person", "name": article.author.display_name,
                   "url": absolute_url(request, article.author.get_absolute_url())},
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME},
        "articleSection": article.topic.name_en,
        "wordCount": article.total_words,
        "isAccessibleForFree": article.is_free,
    }
    try:
        data["image"] = absolute_url(request, reverse(
            "share_image", kwargs={"slug": article.slug, "version": article.version, "variant": "standard"}))
    except NoReverseMatch:
        pass
    if not article.is_free:
        data["hasPart"] = {
            "@type": "WebPageElement",
            "isAccessibleForFree": False,
            "cssSelector": f".{LOCKED_SECTION_CLASS}",
        }
    json_ld = json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES)
    return ArticleMeta(url=url, description=description, json_ld=mark_safe(json_ld))


def article_page_context(article: Article, access, request: HttpRequest | None) -> dict:
    """What every template showing an article page receives (the article page, the admin's anonymous
    preview, the gift page): the locked half only when the access decision allows it."""
    return {
        "article": article,
        "access": access,
        # Lazy: a page served from a cached shell (page_shell.py) never needs to load the text again.
        # Loaded only as of the row `access` was decided on (else ArticleChanged: the view starts over).
        "locked_html": SimpleLazyObject(lambda: locked_html_as_decided(article)) if access.allowed else "",
        # Lazy too: only a page that is rendered (not filled from a shell) shows it.
        "meta": SimpleLazyObject(lambda: article_meta(article, request)),
    }

"""RSS and Atom feeds.

Public feeds (site, topic, author) carry titles and preview excerpts only. The private feed,
at a URL with a reader's secret, carries the full text of what `access.decision.readable_ids`
lets that reader read, and the preview of the rest; it is never cached publicly or indexed.
"""

from __future__ import annotations

from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext_lazy as _

from byline.access.decision import readable_ids
from byline.api.selectors import private_feed_owner
from byline.articles import selectors
from byline.articles.models import Article, Author, Topic
from byline.articles.text import excerpt

FEED_LENGTH = 30
PUBLIC_MAX_AGE = 300


class PreviewFeed(Feed):
    """Titles and preview excerpts, newest first: safe for anyone and any cache."""

    feed_type = Rss201rev2Feed
    title = _("Byline: latest articles")
    description = _("The newest articles on Byline, with their free previews.")

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().__call__(request, *args, **kwargs)
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
        return response

    def link(self, obj: Any = None) -> str:
        return obj.get_absolute_url() if obj is not None else "/"

    def items(self, obj: Any = None) -> list[Article]:
        return selectors.latest_articles(limit=FEED_LENGTH)

    def item_title(self, item: Article) -> str:
        return item.title

    def item_description(self, item: Article) -> str:
        return excerpt(item.preview_text, 600)

    def item_author_name(self, item: Article) -> str:
        return item.author.name

    def item_pubdate(self, item: Article):
        return item.published_at

    def item_updateddate(self, item: Article):
        return item.updated_at

    def item_categories(self, item: Article) -> list[str]:
        return [item.topic.name]


class AtomMixin:
    feed_type = Atom1Feed

    def subtitle(self, obj: Any = None) -> str:
        return self.description(obj) if callable(self.description) else self.description


class SiteRssFeed(PreviewFeed):
    pass


class SiteAtomFeed(AtomMixin, PreviewFeed):
    pass


class TopicRssFeed(PreviewFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Topic:
        return get_object_or_404(Topic, slug=slug)

    def title(self, obj: Topic) -> str:
        return _("Byline: %(topic)s") % {"topic": obj.name}

    def description(self, obj: Topic) -> str:
        return _("New articles in %(topic)s, with their free previews.") % {"topic": obj.name}

    def items(self, obj: Topic) -> list[Article]:
        return selectors.articles_in_topic(topic=obj, limit=FEED_LENGTH)


class TopicAtomFeed(AtomMixin, TopicRssFeed):
    pass


class AuthorRssFeed(PreviewFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Author:
        return get_object_or_404(Author, slug=slug)

    def title(self, obj: Author) -> str:
        return _("Byline: articles by %(author)s") % {"author": obj.name}

    def description(self, obj: Author) -> str:
        return _("New articles by %(author)s, with their free previews.") % {"author": obj.name}

    def items(self, obj: Author) -> list[Article]:
        return selectors.articles_by_author(author=obj, limit=FEED_LENGTH)


class AuthorAtomFeed(AtomMixin, AuthorRssFeed):
    pass


class CollectionRssFeed(PreviewFeed):
    """A collection's live parts in their order (previews only, as every public feed)."""

    def get_object(self, request: HttpRequest, slug: str):
        from byline.collections.selectors import collection_by_slug

        collection = collection_by_slug(slug)
        if collection is None:
            raise Http404
        return collection

    def title(self, obj) -> str:
        return _("Byline: the collection %(title)s") % {"title": obj.title}

    def description(self, obj) -> str:
        return _("The parts of the collection %(title)s, with their free previews.") % {"title": obj.title}

    def items(self, obj) -> list[Article]:
        from byline.collections.selectors import current_items

        return [item.article for item in current_items(obj)][:FEED_LENGTH * 10]


class CollectionAtomFeed(AtomMixin, CollectionRssFeed):
    pass


class PrivateRssFeed(PreviewFeed):
    """One reader's feed: full text of what they may read. The secret in the URL is the key."""

    title = _("Byline: your private feed")
    description = _("Full text of the articles you can read; keep this address to yourself.")

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = Feed.__call__(self, request, *args, **kwargs)
        patch_cache_control(response, private=True, no_store=True)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
        return response

    def get_object(self, request: HttpRequest, secret: str) -> Any:
        owner = private_feed_owner(secret)
        if owner is None:
            raise Http404
        return owner

    def link(self, obj: Any = None) -> str:
        return "/"

    def items(self, obj: Any) -> list[Article]:
        articles = selectors.latest_articles(limit=FEED_LENGTH)
        readable = readable_ids(obj, articles)
        locked = dict(Article.objects.filter(pk__in=readable).values_list("pk", "locked_html"))
        for article in articles:
            full = article.pk in readable
            article.feed_full_html = article.preview_html + locked.get(article.pk, "") if full else None
        return articles

    def item_description(self, item: Article) -> str:
        if item.feed_full_html is not None:
            return item.feed_full_html
        return super().item_description(item)


class PrivateAtomFeed(AtomMixin, PrivateRssFeed):
    pass

"""RSS of the latest articles: titles and previews only, never the locked part."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.translation import gettext_lazy as _

from byline.articles import selectors
from byline.articles.models import Article
from byline.articles.text import excerpt


class LatestArticlesFeed(Feed):
    feed_type = Rss201rev2Feed
    title = _("Byline: latest articles")
    description = _("The newest articles on Byline, with their free previews.")

    def link(self) -> str:
        return "/"

    def items(self) -> list[Article]:
        return selectors.latest_articles(limit=30)

    def item_title(self, item: Article) -> str:
        return item.title

    def item_description(self, item: Article) -> str:
        return excerpt(item.preview_text, 600)

    def item_author_name(self, item: Article) -> str:
        return item.author.display_name

    def item_pubdate(self, item: Article):
        return item.published_at

    def item_categories(self, item: Article) -> list[str]:
        return [item.topic.name_en]

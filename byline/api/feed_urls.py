"""Public feeds, under the language prefix: /<lang>/feeds/..."""

from django.urls import path

from byline.api import feeds

app_name = "feeds"
urlpatterns = [
    path("rss/", feeds.SiteRssFeed(), name="site_rss"),
    path("atom/", feeds.SiteAtomFeed(), name="site_atom"),
    path("topics/<slug:slug>/rss/", feeds.TopicRssFeed(), name="topic_rss"),
    path("topics/<slug:slug>/atom/", feeds.TopicAtomFeed(), name="topic_atom"),
    path("authors/<slug:slug>/rss/", feeds.AuthorRssFeed(), name="author_rss"),
    path("authors/<slug:slug>/atom/", feeds.AuthorAtomFeed(), name="author_atom"),
    path("collections/<slug:slug>/rss/", feeds.CollectionRssFeed(), name="collection_rss"),
    path("collections/<slug:slug>/atom/", feeds.CollectionAtomFeed(), name="collection_atom"),
]

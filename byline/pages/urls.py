from django.urls import path

from byline.api.feeds import SiteRssFeed
from byline.pages import views

app_name = "articles"
urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("topics/<slug:slug>/", views.topic_page, name="topic"),
    path("tags/<slug:slug>/", views.tag_page, name="tag"),
    path("authors/<slug:slug>/", views.author_page, name="author"),
    path("feed/", SiteRssFeed(), name="feed"),
]

from django.urls import path

from byline.articles import views
from byline.articles.feeds import LatestArticlesFeed

app_name = "articles"
urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("topics/<slug:slug>/", views.topic_page, name="topic"),
    path("authors/<slug:slug>/", views.author_page, name="author"),
    path("feed/", LatestArticlesFeed(), name="feed"),
]

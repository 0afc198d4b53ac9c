"""Index maintenance only: when an article, topic or author is saved, refresh its documents.

(Signals are kept for this kind of derived data; business rules live in services.)
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from byline.articles.models import Article, Author, Topic
from byline.search import services


@receiver(post_save, sender=Article, dispatch_uid="search-index-article")
def _article_saved(sender, instance: Article, raw: bool = False, **kwargs) -> None:
    if not raw:
        services.index_article(article=instance)


@receiver(post_save, sender=Topic, dispatch_uid="search-index-topic")
def _topic_saved(sender, instance: Topic, raw: bool = False, created: bool = False, **kwargs) -> None:
    if not raw and not created:
        services.index_articles(articles=Article.objects.filter(topic=instance))


@receiver(post_save, sender=Author, dispatch_uid="search-index-author")
def _author_saved(sender, instance: Author, raw: bool = False, created: bool = False, **kwargs) -> None:
    if not raw and not created:
        services.index_articles(articles=Article.objects.filter(author=instance))

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "byline.articles"
    verbose_name = _("Articles")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from byline.articles.models import Article

        post_save.connect(_forget_cached_stamp, sender=Article, dispatch_uid="articles-forget-stamp-on-save")
        post_delete.connect(_forget_cached_stamp, sender=Article, dispatch_uid="articles-forget-stamp-on-delete")


def _forget_cached_stamp(sender, instance, **kwargs) -> None:
    """Cache invalidation only: the next request after the commit reads the article's new row."""
    from byline.articles.page_cache import article_changed

    article_changed(instance.slug)

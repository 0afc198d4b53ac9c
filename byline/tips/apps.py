from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TipsConfig(AppConfig):
    name = "byline.tips"
    verbose_name = _("Tips")

    def ready(self) -> None:
        from byline.articles.selectors import STAMP_ANNOTATIONS
        from byline.tips.selectors import STAMP_ANNOTATIONS as ours

        STAMP_ANNOTATIONS.update(ours)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecommendConfig(AppConfig):
    name = "byline.recommend"
    label = "recommend"
    verbose_name = _("Recommendations")

    def ready(self) -> None:
        from byline.recommend import signals  # noqa: F401  (keeps related lists in step with publishing)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AudienceConfig(AppConfig):
    name = "byline.audience"
    verbose_name = _("Followers and newsletters")

    def ready(self) -> None:
        from byline.audience import personal, signals  # noqa: F401 (registers the follow button, bell, publish hook)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PricingConfig(AppConfig):
    name = "byline.pricing"
    verbose_name = _("Currencies and prices")

    def ready(self) -> None:
        from byline.pricing import checks  # noqa: F401 (registers the settings check)

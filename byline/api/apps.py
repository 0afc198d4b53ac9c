from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "byline.api"
    verbose_name = _("Content API and feeds")

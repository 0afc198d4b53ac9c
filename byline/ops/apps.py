from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "byline.ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        # Load the Celery app with Django, so `task.delay()` anywhere uses Byline's broker settings
        # (or runs eagerly in the embedded default) rather than Celery's built-in defaults.
        import byline.celery  # noqa: F401

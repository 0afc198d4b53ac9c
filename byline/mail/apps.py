from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "byline.mail"
    verbose_name = _("E-mail")

    def ready(self) -> None:
        from byline.mail import lifecycle, receipts  # noqa: F401 (receipts, undo, membership renewed and ended)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AudienceConfig(AppConfig):
    name = "byline.audience"
    verbose_name = _("Followers and newsletters")

    def ready(self) -> None:
        from byline.audience import mail_events, personal, services, signals  # noqa: F401 (button, bell, hooks)
        from byline.comments.services import ON_NEW_COMMENT

        if services.notify_of_comment not in ON_NEW_COMMENT:
            ON_NEW_COMMENT.append(services.notify_of_comment)

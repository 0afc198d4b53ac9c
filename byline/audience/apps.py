from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AudienceConfig(AppConfig):
    name = "byline.audience"
    verbose_name = _("Followers and newsletters")

    def ready(self) -> None:
        from byline.audience import mail_events, personal, services, signals  # noqa: F401 (button, bell, hooks)
        from byline.comments.services import ON_NEW_COMMENT
        from byline.mail import transactional

        if services.language_of_user not in transactional.LANGUAGE_SOURCES:
            transactional.LANGUAGE_SOURCES.append(services.language_of_user)
        if services.language_of_address not in transactional.ADDRESS_LANGUAGE_SOURCES:
            transactional.ADDRESS_LANGUAGE_SOURCES.append(services.language_of_address)
        if services.notify_of_comment not in ON_NEW_COMMENT:
            ON_NEW_COMMENT.append(services.notify_of_comment)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AudienceConfig(AppConfig):
    name = "byline.audience"
    verbose_name = _("Followers and newsletters")

    def ready(self) -> None:
        from byline.audience import mail_events, paid_gifts, personal, services, signals  # noqa: F401 (button, bell, hooks)
        from byline.comments.services import ON_NEW_COMMENT
        from byline.gifts import services as gifts
        from byline.mail import transactional

        if services.language_of_user not in transactional.LANGUAGE_SOURCES:
            transactional.LANGUAGE_SOURCES.append(services.language_of_user)
        if services.language_of_address not in transactional.ADDRESS_LANGUAGE_SOURCES:
            transactional.ADDRESS_LANGUAGE_SOURCES.append(services.language_of_address)
        if services.notify_of_comment not in ON_NEW_COMMENT:
            ON_NEW_COMMENT.append(services.notify_of_comment)
        for hooks, listener in ((gifts.ON_GIFT_PAID, paid_gifts.tell_recipient_of_paid_gift),
                                (gifts.ON_GIFT_CLAIMED, paid_gifts.mark_paid_gift_claimed),
                                (gifts.ON_GIFT_REFUNDED, paid_gifts.forget_refunded_gift)):
            if listener not in hooks:
                hooks.append(listener)

"""When an article is saved live, its newsletter is queued after the save commits.

This only starts the work (a task); what is sent and to whom is decided in `services.queue_newsletter`,
which makes each newsletter once. A scheduled article is picked up by the periodic sweep when its time
comes (tasks.sweep_newsletters).
"""

from __future__ import annotations

import logging

from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from byline.articles.models import Article

log = logging.getLogger(__name__)


@receiver(post_save, sender=Article, dispatch_uid="audience-newsletter-on-publish")
def article_saved(sender, instance: Article, raw: bool = False, **kwargs) -> None:
    if raw or not instance.is_live:
        return
    article_id = instance.pk

    def start() -> None:
        from byline.audience.tasks import queue_newsletter

        try:
            queue_newsletter.delay(article_id)
        except Exception:  # the publish stands; the periodic sweep sends what this could not
            log.exception("audience: could not start the newsletter of article %s", article_id)

    transaction.on_commit(start)


@receiver(user_logged_in, dispatch_uid="audience-state-at-log-in")
def fill_state_at_log_in(sender, user, **kwargs) -> None:
    """Read the follow button's and bell's state once, at log-in, so pages after it ask no query for them."""
    from byline.audience.selectors import audience_state

    audience_state(user)


@receiver(post_save, sender="sharing.GiftRedemption", dispatch_uid="audience-gift-notification")
def gift_redeemed(sender, instance, created: bool = False, raw: bool = False, **kwargs) -> None:
    """A gift opened in a signed-in account is kept under the bell, so the reader finds it again."""
    if raw or not created or instance.recipient_id is None:
        return
    article_id = instance.gift.article_id
    if article_id is None:
        return
    recipient_id = instance.recipient_id

    def note() -> None:
        from byline.audience.models import Notification, NotificationKind
        from byline.audience.selectors import state_key
        from byline.core import forgetting

        Notification.objects.get_or_create(user_id=recipient_id, kind=NotificationKind.GIFT, article_id=article_id)
        forgetting.forget(state_key(recipient_id))

    transaction.on_commit(note)

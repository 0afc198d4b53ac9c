"""Background work for newsletters (Celery; eager in the embedded default)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from byline.audience import services


@shared_task(name="byline.audience.queue_newsletter")
def queue_newsletter(article_id: int) -> None:
    """Make the article's outbox (once) and start sending it."""
    newsletter = services.queue_newsletter(article_id=article_id)
    if newsletter is not None and newsletter.finished_at is None:
        start_sending(newsletter.pk)


def start_sending(newsletter_id: int) -> None:
    """Start the batches of a newsletter whose outbox is made. Several chains of batches side by side
    (workers take different rows: skip_locked): a send waits on the mail server's answers far more than it
    computes, so parallel connections multiply the rate."""
    chains = 1 if settings.CELERY_TASK_ALWAYS_EAGER else settings.NEWSLETTER_PARALLEL_SENDS
    for _ in range(max(1, chains)):
        send_newsletter_batch.delay(newsletter_id)


@shared_task(name="byline.audience.send_newsletter_batch", rate_limit=settings.NEWSLETTER_BATCH_RATE_LIMIT,
             acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def send_newsletter_batch(newsletter_id: int) -> None:
    """One batch, then the next as its own task: each is short, a killed worker loses at most its claim
    (which comes back when the lease runs out), and the rate limit applies per batch. Eager (tests, the
    demo) it runs every batch now, in a loop (a chain of eager tasks would nest one call per batch)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        services.send_newsletter(newsletter_id=newsletter_id, limit=settings.NEWSLETTER_BATCH_SIZE)
    elif services.send_newsletter_batch(newsletter_id=newsletter_id, limit=settings.NEWSLETTER_BATCH_SIZE):
        send_newsletter_batch.delay(newsletter_id)


@shared_task(name="byline.audience.sweep_newsletters")
def sweep_newsletters() -> None:
    """Periodic: newsletters of articles that went live at their scheduled time, and sends left unfinished
    (a worker killed, a mail server down)."""
    for article_id in services.due_articles():
        queue_newsletter.delay(article_id)
    for newsletter_id in services.unfinished_newsletters():
        send_newsletter_batch.delay(newsletter_id)


@shared_task(name="byline.audience.send_digests")
def send_digests() -> None:
    """Periodic: the daily and weekly digests whose period is over."""
    services.send_digests()


@shared_task(name="byline.audience.mail_comment_notification")
def mail_comment_notification(notification_id: int) -> None:
    """The e-mail copy of one comment notification (at most once; see the service)."""
    services.mail_comment_notification(notification_id=notification_id)

"""Scheduled work for Celery beat: renew author subscriptions from the wallet (safe to run twice)."""

from __future__ import annotations

from celery import shared_task

from byline.subscriptions.services import renew_due


@shared_task(name="byline.subscriptions.renew_author_subscriptions", ignore_result=True)
def renew_author_subscriptions() -> dict[str, int]:
    return renew_due()

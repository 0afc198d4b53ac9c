"""Retrying the sandbox's signed webhooks with backoff, as a Celery beat task."""

from __future__ import annotations

from celery import shared_task

from byline.payments.providers.sandbox import deliver_due


@shared_task(name="byline.payments.deliver_sandbox_webhooks", ignore_result=True)
def deliver_sandbox_webhooks() -> int:
    return deliver_due()

"""Celery beat tasks: retry the sandbox's signed webhooks with backoff; reconcile checkouts whose webhook never came."""

from __future__ import annotations

from celery import shared_task

from byline.payments.providers.sandbox import deliver_due


@shared_task(name="byline.payments.deliver_sandbox_webhooks", ignore_result=True)
def deliver_sandbox_webhooks() -> int:
    return deliver_due()


@shared_task(name="byline.payments.reconcile_checkouts", ignore_result=True)
def reconcile_checkouts() -> dict[str, int]:
    from byline.payments.reconcile import reconcile_stale_checkouts

    return reconcile_stale_checkouts()

"""Celery beat tasks: retry the sandbox's signed webhooks with backoff; reconcile checkouts whose webhook never came;
renew memberships (the task keeps its name from when it lived in purchases, so beat schedules still find it)."""

from __future__ import annotations

from celery import shared_task

from byline.payments.providers.sandbox import deliver_due, renew_due_subscriptions
from byline.purchases.memberships import end_lapsed_card_memberships, renew_due_wallet_memberships


@shared_task(name="byline.payments.deliver_sandbox_webhooks", ignore_result=True)
def deliver_sandbox_webhooks() -> int:
    return deliver_due()


@shared_task(name="byline.payments.reconcile_checkouts", ignore_result=True)
def reconcile_checkouts() -> dict[str, int]:
    from byline.payments.reconcile import reconcile_stale_checkouts

    return reconcile_stale_checkouts()


@shared_task(name="byline.purchases.renew_memberships", ignore_result=True)
def renew_memberships() -> dict[str, int]:
    return renew_all_due()


def renew_all_due() -> dict[str, int]:
    """Sandbox card subscriptions first (their invoice.paid events renew card memberships), then wallets,
    then card memberships whose renewal never came."""
    counts = {f"sandbox card {outcome}": count for outcome, count in renew_due_subscriptions().items()}
    return counts | renew_due_wallet_memberships() | {"card lapsed": end_lapsed_card_memberships()}

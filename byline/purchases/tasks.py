"""Scheduled money work for Celery beat; each task calls one service and is safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from byline.purchases.memberships import (
    close_pool_period,
    end_lapsed_card_memberships,
    renew_due_wallet_memberships,
)


@shared_task(name="byline.purchases.renew_memberships", ignore_result=True)
def renew_memberships() -> dict[str, int]:
    return renew_all_due()


def renew_all_due() -> dict[str, int]:
    """Sandbox card subscriptions first (their invoice.paid events renew card memberships), then wallets,
    then card memberships whose renewal never came."""
    from byline.payments.providers.sandbox import renew_due_subscriptions

    counts = {f"sandbox card {outcome}": count for outcome, count in renew_due_subscriptions().items()}
    return counts | renew_due_wallet_memberships() | {"card lapsed": end_lapsed_card_memberships()}


@shared_task(name="byline.purchases.close_membership_pools", ignore_result=True)
def close_membership_pools() -> int:
    return sum(close_pool_period(currency=currency) is not None for currency in settings.TOPUP_LIMITS)

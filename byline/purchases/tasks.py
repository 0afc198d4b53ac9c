"""Scheduled money work for Celery beat; each task calls one service and is safe to run twice. Renewing
memberships starts with the sandbox's card subscriptions, so it is `payments.tasks.renew_memberships`."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from byline.purchases.memberships import close_pool_period


@shared_task(name="byline.purchases.close_membership_pools", ignore_result=True)
def close_membership_pools() -> int:
    return sum(close_pool_period(currency=currency) is not None for currency in settings.TOPUP_LIMITS)

"""Scheduled work for Celery beat: renew author subscriptions from the wallet (safe to run twice)."""

from __future__ import annotations

from celery import shared_task

from byline.subscriptions.services import end_lapsed_card_subscriptions, renew_due


@shared_task(name="byline.subscriptions.renew_author_subscriptions", ignore_result=True)
def renew_author_subscriptions() -> dict[str, int]:
    """Wallet renewals, then card subscriptions whose renewal never came. (Sandbox card subscriptions are
    charged by `payments.tasks.renew_memberships`, which runs the sandbox's renewals for every purpose.)"""
    return renew_due() | {"card lapsed": end_lapsed_card_subscriptions()}

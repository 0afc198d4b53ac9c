"""Celery beat tasks: ask providers about payouts in flight; pay writers on the monthly schedule."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="byline.payouts.reconcile_payouts", ignore_result=True)
def reconcile_payouts() -> dict[str, int]:
    from byline.payouts.services import reconcile_payouts as reconcile

    return reconcile()


@shared_task(name="byline.payouts.pay_monthly", ignore_result=True)
def pay_monthly() -> dict[str, int]:
    from byline.payouts.services import pay_monthly as pay

    return pay()

"""Periodic housekeeping for Celery beat; each task calls one service and is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from byline.ops import services


@shared_task(name="byline.ops.clear_expired_sessions", ignore_result=True)
def clear_expired_sessions() -> int:
    return services.clear_expired_sessions()

"""Periodic: move the page-view counts buffered in the cache into the database."""

from __future__ import annotations

from celery import shared_task

from byline.dashboard import services


@shared_task(name="byline.dashboard.flush_view_counters", ignore_result=True)
def flush_view_counters() -> int:
    return services.flush_view_counters()

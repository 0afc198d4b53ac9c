"""Background work for recommendations: the nightly full rebuild, scheduled by Celery beat
(eager in the embedded default, where `manage.py rebuild_related` does the same by hand)."""

from __future__ import annotations

import logging

from celery import shared_task

from byline.recommend.services import rebuild_related

logger = logging.getLogger(__name__)


@shared_task(name="byline.recommend.refresh_related", ignore_result=True)
def refresh_related_task() -> dict:
    """Rebuild every related list; returns a small summary for the task result."""
    report = rebuild_related()
    logger.info("Related lists rebuilt: %d articles, %d pairs in %.1f s", report.articles, report.pairs,
                report.seconds)
    return {"articles": report.articles, "pairs": report.pairs, "seconds": round(report.seconds, 2)}

"""Background work for recommendations: the nightly full rebuild, scheduled by Celery beat
(eager in the embedded default, where `manage.py rebuild_related` does the same by hand), and the
update of the related lists after a publish, so a web worker never loads the engine's numeric libraries
(NumPy, SciPy, scikit-learn: about 90 MiB a process; issue 23)."""

from __future__ import annotations

import logging

from celery import shared_task

from byline.recommend.services import rebuild_related, refresh_after_save

logger = logging.getLogger(__name__)


@shared_task(name="byline.recommend.refresh_related", ignore_result=True)
def refresh_related_task() -> dict:
    """Rebuild every related list; returns a small summary for the task result."""
    report = rebuild_related()
    logger.info("Related lists rebuilt: %d articles, %d pairs in %.1f s", report.articles, report.pairs,
                report.seconds)
    return {"articles": report.articles, "pairs": report.pairs, "seconds": round(report.seconds, 2)}


@shared_task(name="byline.recommend.refresh_after_save", ignore_result=True)
def refresh_after_save_task(article_id: int) -> None:
    """A live article was saved: place it in the related lists (never raises; see the service)."""
    refresh_after_save(article_id=article_id)

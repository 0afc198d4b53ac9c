"""Background work for recommendations, as plain functions a task runner can call.

`refresh_related_task` is meant to be registered with Celery (and Celery beat, e.g. nightly)
where the project runs Celery; in the embedded default it can simply be called, or replaced
by `manage.py rebuild_related` from cron.
"""

from __future__ import annotations

import logging

from byline.recommend.services import rebuild_related

logger = logging.getLogger(__name__)


def refresh_related_task() -> dict:
    """Rebuild every related list; returns a small summary for the task result."""
    report = rebuild_related()
    logger.info("Related lists rebuilt: %d articles, %d pairs in %.1f s", report.articles, report.pairs,
                report.seconds)
    return {"articles": report.articles, "pairs": report.pairs, "seconds": round(report.seconds, 2)}

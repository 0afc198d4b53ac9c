"""Byline's Celery app: Redis as broker in production, eager (in-process) in the embedded default.

Settings named CELERY_* configure it (see byline/settings.py). Apps put their tasks in
`byline/<app>/tasks.py`; periodic ones add an entry to CELERY_BEAT_SCHEDULE.
Run a worker with `celery -A byline.celery worker`, the scheduler with `celery -A byline.celery beat`.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "byline.settings")

app = Celery("byline")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

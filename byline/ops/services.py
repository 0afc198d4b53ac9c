"""Housekeeping writes that run on a schedule (see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.utils import timezone


def clear_expired_sessions() -> int:
    """Delete database sessions past their expiry; returns how many went."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted

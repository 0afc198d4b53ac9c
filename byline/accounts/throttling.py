"""Login throttling: after too many failures for one account or one address, refuse for a while.

Counts live in the cache (Redis in production), so every app server sees the same numbers.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _keys(request: HttpRequest, username: str) -> list[str]:
    address = request.META.get("REMOTE_ADDR", "unknown")
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:24]
    return [f"login-fail:ip:{address}", f"login-fail:user:{name}"]


def is_locked(request: HttpRequest, username: str) -> bool:
    counts = cache.get_many(_keys(request, username))
    return any(count >= settings.LOGIN_FAILURE_LIMIT for count in counts.values())


def record_failure(request: HttpRequest, username: str) -> None:
    for key in _keys(request, username):
        if cache.add(key, 1, settings.LOGIN_FAILURE_WINDOW_S):
            continue
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, settings.LOGIN_FAILURE_WINDOW_S)


def clear(request: HttpRequest, username: str) -> None:
    cache.delete_many(_keys(request, username))

"""Fixed-window request counters in the shared cache, for anything that needs a rate limit.

Each counter lives in the cache (Redis in production) so every app server counts together. A
caller names what it counts (`scope`, e.g. "api" or "search") and whose requests (`key`, an
address from `core.addresses.client_bucket`, or an account); over the limit it learns how many
seconds are left in the window, for a 429 with `Retry-After`.
"""

from __future__ import annotations

import time

from django.core.cache import cache


def count_request(scope: str, key: str, *, limit: int, window: int, now: float | None = None) -> int | None:
    """Count one request of `key` in `scope`; None when allowed, else the seconds until the window ends."""
    now = time.time() if now is None else now
    start = int(now // window) * window
    full_key = f"{scope}-rate:{key}:{start}"
    if cache.add(full_key, 1, window + 1):
        count = 1
    else:
        try:
            count = cache.incr(full_key)
        except ValueError:
            cache.set(full_key, 1, window + 1)
            count = 1
    if count > limit:
        return max(1, int(start + window - now))
    return None

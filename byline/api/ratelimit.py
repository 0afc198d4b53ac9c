"""Fixed-window request counters in the shared cache, per client address and per token.

The address is `core.addresses.client_bucket`: the forwarded client address only behind a trusted proxy
(a client's own X-Forwarded-For is never believed), an IPv6 address by its /64.

A window is `API_RATE_LIMIT_WINDOW_S` seconds long; each counter lives in the cache (Redis in
production) so every app server counts together. Over the limit, the API answers 429 with
`Retry-After` set to the seconds left in the window.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from byline.core.addresses import client_bucket


def _hit(key: str, limit: int, window: int, now: float) -> int | None:
    """Count one request; None when allowed, else the seconds until the window ends."""
    start = int(now // window) * window
    full_key = f"api-rate:{key}:{start}"
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


def over_limit(request: HttpRequest, bearer_token: str | None) -> int | None:
    """Count this request against its address, and its token if any; the wait when over a limit."""
    window = settings.API_RATE_LIMIT_WINDOW_S
    now = time.time()
    waits = [_hit(f"ip:{client_bucket(request)}", settings.API_RATE_LIMIT_PER_IP, window, now)]
    if bearer_token:
        digest = hashlib.sha256(bearer_token.encode()).hexdigest()[:32]
        waits.append(_hit(f"token:{digest}", settings.API_RATE_LIMIT_PER_TOKEN, window, now))
    waits = [wait for wait in waits if wait is not None]
    return max(waits) if waits else None

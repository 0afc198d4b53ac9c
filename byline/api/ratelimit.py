"""The Content API's rate limits: per client address and per token (core.ratelimit counts).

The address is `core.addresses.client_bucket`: the forwarded client address only behind a trusted proxy
(a client's own X-Forwarded-For is never believed), an IPv6 address by its /64.
A window is `API_RATE_LIMIT_WINDOW_S` seconds long. Over the limit, the API answers 429 with
`Retry-After` set to the seconds left in the window.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.http import HttpRequest

from byline.core.addresses import client_bucket
from byline.core.ratelimit import count_request


def over_limit(request: HttpRequest, bearer_token: str | None) -> int | None:
    """Count this request against its address, and its token if any; the wait when over a limit."""
    window = settings.API_RATE_LIMIT_WINDOW_S
    now = time.time()
    waits = [count_request("api", f"ip:{client_bucket(request)}", limit=settings.API_RATE_LIMIT_PER_IP,
                           window=window, now=now)]
    if bearer_token:
        digest = hashlib.sha256(bearer_token.encode()).hexdigest()[:32]
        waits.append(count_request("api", f"token:{digest}", limit=settings.API_RATE_LIMIT_PER_TOKEN,
                                   window=window, now=now))
    waits = [wait for wait in waits if wait is not None]
    return max(waits) if waits else None

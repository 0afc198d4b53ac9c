"""How often anyone may search: per address and per signed-in reader (core.ratelimit's counters).

The search page and the Content API's search endpoint count together, so neither is a way
around the other. Besides sparing the server, a limit bounds how many timing samples anyone
can take of the index.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from byline.core.addresses import client_bucket
from byline.core.ratelimit import count_request


def search_wait(request: HttpRequest, reader: Any) -> int | None:
    """Count one search; None when allowed, else the seconds to wait."""
    window = settings.SEARCH_RATE_LIMIT_WINDOW_S
    now = time.time()
    waits = [count_request("search", f"ip:{client_bucket(request)}", limit=settings.SEARCH_RATE_LIMIT_PER_IP,
                           window=window, now=now)]
    if reader is not None and getattr(reader, "is_authenticated", False):
        waits.append(count_request("search", f"reader:{reader.pk}", limit=settings.SEARCH_RATE_LIMIT_PER_READER,
                                   window=window, now=now))
    waits = [wait for wait in waits if wait is not None]
    return max(waits) if waits else None

"""A small in-process cache in front of the shared one, for values whose key already names their version.

A key such as "QR code for this exact URL" or "page shell of article 12, version 7" never goes
stale, so each worker may keep its own copy and skip the round trip to Redis and the unpickling.
Entries still expire after `ttl` seconds, for the few facts such keys do not name (an author's new
display name shows within that time). Never put here anything that a write must invalidate at once:
each process holds its own copy, and only the shared cache can be told to forget. Nor anything personal.
Every use is reviewed and listed in tests/core/test_local_cache.py.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

_MISSING = object()
_every: list[LocalCache] = []


class LocalCache:
    def __init__(self, *, size: int, ttl: float):
        self.size = size
        self.ttl = ttl
        self._entries: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        _every.append(self)

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return default
            expires, value = entry
            if expires < time.monotonic():
                del self._entries[key]
                return default
            self._entries.move_to_end(key)
            return value

    def set(self, key: str, value: Any) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + self.ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def get_or_shared(self, key: str, build: Callable[[], Any], *, shared_timeout: int) -> Any:
        """From this process, else from the shared cache, else `build()` (stored in both)."""
        value = self.get(key, _MISSING)
        if value is _MISSING:
            value = cache.get(key, _MISSING)
            if value is _MISSING:
                value = build()
                cache.set(key, value, shared_timeout)
            self.set(key, value)
        return value


def clear_all() -> None:
    """Forget every process-local copy (tests do, with the shared cache: tests/conftest.py)."""
    for local in _every:
        local.clear()


# One per process.
versioned = LocalCache(size=2_000, ttl=60)

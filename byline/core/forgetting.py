"""Cache entries that a write must forget, safe against a request that read the old rows before the write
committed and stores them just after.

`forget(*keys)` deletes the entries now and, when the transaction commits, puts a short-lived tombstone in
their place; `remember(key, value, timeout)` caches a value just read with `add`, so it never writes over a
tombstone; `live(value)` reads a tombstone as a miss. A stale row can come back only through a request that
stalls longer than FORGOTTEN_SECONDS between its read and its write.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction

FORGOTTEN = "forgotten"
FORGOTTEN_SECONDS = 10


def forget(*keys: str) -> None:
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.set_many(dict.fromkeys(keys, FORGOTTEN), FORGOTTEN_SECONDS), robust=True)


def remember(key: str, value: Any, timeout: int) -> None:
    cache.add(key, value, timeout)


def live(value: Any) -> Any:
    """The cached value, or None where there is none or a tombstone stands."""
    return None if isinstance(value, str) and value == FORGOTTEN else value

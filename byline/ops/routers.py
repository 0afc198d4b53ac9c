"""Send the reads of selectors that tolerate a little lag to a read replica, when there is one.

With DATABASE_REPLICA_URL set, settings add a "replica" database. Reads go there only inside
`from_replica()` (or a function decorated with `@replica_ok`), and never inside a transaction on
the primary, so anything that reads in order to write, and anything that decides access (the
reader's own purchases), keeps reading the primary. Which selectors opt in is listed in
deploy/README.md; without a replica nothing changes.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_prefer_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("byline_prefer_replica", default=False)
F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def from_replica() -> Iterator[None]:
    token = _prefer_replica.set(True)
    try:
        yield
    finally:
        _prefer_replica.reset(token)


def replica_ok(function: F) -> F:
    """Mark a read-only selector whose results may be a moment old."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with from_replica():
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if (_prefer_replica.get() and replica_configured()
                and not connections[DEFAULT_DB_ALIAS].in_atomic_block):
            return REPLICA
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica holds the same rows as the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        return False if db == REPLICA else None

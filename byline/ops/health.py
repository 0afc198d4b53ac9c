"""What /healthz checks: the database (required) and the cache (wanted).

Each check answers whether the dependency responded and how long it took, and never says
where the dependency is or what it printed: the answer is public.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections


@dataclass(frozen=True)
class Check:
    ok: bool
    ms: float
    error: str = ""

    def as_dict(self) -> dict:
        data = asdict(self)
        if not self.error:
            del data["error"]
        return data


def _timed(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def check_database(alias: str = "default") -> Check:
    """Run SELECT 1; a connection broken by a server restart gets one fresh try."""
    start = time.perf_counter()
    connection = connections[alias]
    for attempt in (1, 2):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
            return Check(True, _timed(start))
        except DatabaseError as error:
            connection.close()
            if attempt == 2:
                return Check(False, _timed(start), type(error).__name__)
    raise AssertionError("unreachable")


def check_cache() -> Check:
    """Store a fresh token and read it back: a cache that silently drops writes fails too."""
    start = time.perf_counter()
    key = f"healthz:{secrets.token_hex(8)}"
    token = secrets.token_hex(8)
    try:
        cache.set(key, token, 10)
        ok = cache.get(key) == token
        cache.delete(key)
    except Exception as error:  # noqa: BLE001 - any cache failure is reported, never raised
        return Check(False, _timed(start), type(error).__name__)
    return Check(ok, _timed(start), "" if ok else "no answer")


def report() -> tuple[int, dict]:
    """(HTTP status, body): 503 when the database is down; 200 and "degraded" when only a helper is."""
    checks = {"database": check_database()}
    if "replica" in settings.DATABASES:
        checks["database_replica"] = check_database("replica")
    checks["cache"] = check_cache()
    if not checks["database"].ok:
        status, code = "unavailable", 503
    elif all(check.ok for check in checks.values()):
        status, code = "ok", 200
    else:
        status, code = "degraded", 200
    return code, {"status": status, "checks": {name: check.as_dict() for name, check in checks.items()}}

"""The shared caches: a Redis cache that degrades instead of failing when Redis is away, and, without
Redis, a file cache that every process of the site shares.

Everything Byline keeps in the cache (rendered pages, session copies, login throttle counts) can
be rebuilt or done without, so a Redis outage must cost speed, never pages. Every cache operation
that fails with a connection or timeout error is logged and answered as a miss (or as "not
stored"); after a failure this process leaves Redis alone for `retry_after_s` seconds (an OPTIONS
entry, 5 by default), so an outage does not add a connection attempt to every request.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("byline.ops.cache")

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
# What each client operation answers while Redis is away: a miss, or "not stored".
_ANSWERS_WHEN_DOWN: dict[str, Any] = {
    "add": False, "touch": False, "delete": False, "has_key": False, "get_many": {},
    "set": None, "set_many": None, "delete_many": None, "incr": 0, "clear": False,
}


class _GuardedClient:
    """Wraps Django's RedisCacheClient: the same calls, with outages turned into misses."""

    def __init__(self, client: Any, owner: ResilientRedisCache):
        self._client = client
        self._owner = owner

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute) or name.startswith("_"):
            return attribute

        def guarded(*args: Any, **kwargs: Any) -> Any:
            # Django's client is called as get(key, default): a miss answers the caller's default.
            answer = args[1] if name == "get" else _ANSWERS_WHEN_DOWN.get(name)
            if not self._owner.available:
                return answer
            try:
                return attribute(*args, **kwargs)
            except UNAVAILABLE as error:
                self._owner.mark_unavailable(name, error)
                return answer

        return guarded


class _ReusingClient(RedisCacheClient):
    """Django's client builds a new redis.Redis object for every operation, which costs about as much
    as the round trip to a loopback Redis; one per connection pool is enough (they are thread-safe)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self.retry_after_s = float(options.pop("retry_after_s", 5.0))
        # Loopback or LAN Redis answers in well under a millisecond; half a second means it is gone.
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._class = _ReusingClient
        self._down_until = 0.0

    @cached_property
    def _cache(self) -> Any:
        return _GuardedClient(self._class(self._servers, **self._options), self)

    @property
    def available(self) -> bool:
        """False while this process waits before trying Redis again after a failure."""
        return time.monotonic() >= self._down_until

    def mark_unavailable(self, operation: str, error: BaseException) -> None:
        self._down_until = time.monotonic() + self.retry_after_s
        logger.warning("cache unavailable during %s (%s); trying again in %.0f s",
                       operation, type(error).__name__, self.retry_after_s)

    def increment_many(self, counts: dict[str, tuple[int, int]]) -> None:
        """Add to counters, {key: (delta, ttl)}, creating each with its ttl if missing, all in one
        round trip (Django's `incr` takes two per key, and raises for a missing one). Needs Redis 7
        (EXPIRE ... NX)."""
        if not counts or not self.available:
            return
        try:
            pipe = self._cache._client.get_client(write=True).pipeline(transaction=False)
            for key, (delta, ttl) in counts.items():
                full_key = self.make_and_validate_key(key)
                pipe.incrby(full_key, delta)
                pipe.expire(full_key, ttl, nx=True)
            pipe.execute()
        except UNAVAILABLE as error:
            self.mark_unavailable("increment", error)


def increment(key: str, *, ttl: int, delta: int = 1) -> None:
    """Add `delta` to the counter `key` in the default cache, creating it (kept `ttl` seconds) if missing."""
    increment_many({key: (delta, ttl)})


def increment_many(counts: dict[str, tuple[int, int]]) -> None:
    """Add to counters in the default cache, {key: (delta, ttl)}: one round trip on Redis. Never raises
    for a missing key; a counter evicted in the middle may lose this one count."""
    backend = caches["default"]
    if isinstance(backend, ResilientRedisCache):
        backend.increment_many(counts)
        return
    for key, (delta, ttl) in counts.items():
        try:
            backend.incr(key, delta)
        except ValueError:
            if not backend.add(key, delta, ttl):
                try:
                    backend.incr(key, delta)  # another process created it in between
                except ValueError:
                    pass


class SharedFileCache(FileBasedCache):
    """The cache of the embedded default (no REDIS_URL): files under var/cache, one store for every process
    of the site. A cache in each process's memory would give each gunicorn worker its own answers: a gift
    allowance, a session or a secret shown once, read from whichever worker replies.

    `add` and `incr` (and `decr`, which calls `incr`) hold an exclusive lock on a file beside the entries,
    so the log-in throttle, the view counters and the flush lock built on them count exactly across
    processes, as Redis does. Writes replace a whole file at once (Django's FileBasedCache), so a reader
    never sees half an entry.
    """

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        self._createdir()
        # One open file per call: flock excludes other processes and other threads of this one alike.
        with open(os.path.join(self._dir, "lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        with self._exclusive():
            return super().add(key, value, timeout, version)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        with self._exclusive():
            return super().incr(key, delta, version)

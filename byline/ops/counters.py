"""Counters added up in the process and sent to the shared cache about once a second.

A busy article page is counted hundreds of times a second; one Redis round trip per view costs more
than the rest of the counting. Here a view adds to a dict in the process, and a daemon thread sends
what gathered every `interval` seconds, in one pipeline (ops.cache.increment_many). With an interval
of 0 (tests, scripts) every count is sent at once.

What is lost: the counts of the last interval if the process is killed outright (a graceful stop, as
when gunicorn recycles a worker, sends them first). These are statistics, never money.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable

from byline.ops.cache import increment_many

logger = logging.getLogger("byline.ops.counters")


class BufferedCounters:
    def __init__(self, *, interval: Callable[[], float], sleep: Callable[[float], object] = time.sleep):
        self.interval = interval  # read at each count, so settings (and tests) may change it
        self._sleep = sleep  # how the sender waits between sends (a test steps it instead of sleeping)
        self._pending: Counter[tuple[str, int]] = Counter()
        self._lock = threading.Lock()
        self._sender_pid: int | None = None  # a forked child starts its own sender

    def add(self, key: str, *, ttl: int, delta: int = 1) -> None:
        if self.interval() <= 0:
            increment_many({key: (delta, ttl)})
            return
        with self._lock:
            self._pending[(key, ttl)] += delta
            if self._sender_pid != os.getpid():
                self._sender_pid = os.getpid()
                threading.Thread(target=self._send_forever, name="byline-counters", daemon=True).start()
                atexit.register(self.flush)

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, Counter()
        if pending:
            increment_many({key: (delta, ttl) for (key, ttl), delta in pending.items()})

    def _send_forever(self) -> None:
        while True:
            self._sleep(max(self.interval(), 0.1))
            try:
                self.flush()
            except Exception:  # never let the sender die: the next interval tries again
                logger.exception("could not send counters")

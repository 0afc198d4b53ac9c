"""Counters gathered in the process reach the shared cache: at once, on flush, and from the sender thread."""

import threading

from django.core.cache import cache

from byline.ops.counters import BufferedCounters


def test_with_no_interval_each_count_reaches_the_cache_at_once():
    counters = BufferedCounters(interval=lambda: 0)
    counters.add("views:a", ttl=60)
    counters.add("views:a", ttl=60, delta=2)
    assert cache.get("views:a") == 3


def test_buffered_counts_wait_for_a_flush_and_arrive_summed():
    counters = BufferedCounters(interval=lambda: 3600)  # the sender thread will not run during the test
    for _ in range(5):
        counters.add("views:b", ttl=60)
    counters.add("views:c", ttl=60, delta=2)
    assert cache.get("views:b") is None
    counters.flush()
    assert (cache.get("views:b"), cache.get("views:c")) == (5, 2)
    counters.flush()  # nothing pending: nothing sent twice
    assert cache.get("views:b") == 5


def test_the_sender_thread_sends_what_gathered_after_each_interval():
    """The sender's wait is stepped by the test: after its first interval it sends, then parks at its
    second wait, where the test takes over. No sleeping, no polling."""
    waits, sent = [], threading.Event()

    def wait(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) > 1:  # the first interval's counts have been sent
            sent.set()
            threading.Event().wait()  # park this daemon thread for good

    counters = BufferedCounters(interval=lambda: 0.1, sleep=wait)
    counters.add("views:d", ttl=60, delta=7)
    assert sent.wait(timeout=30), "the sender thread never sent"
    assert cache.get("views:d") == 7
    assert waits == [0.1, 0.1]

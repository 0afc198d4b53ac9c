"""The smoke soak inside `make test`: mixed traffic over real HTTP for BYLINE_SOAK_SECONDS (default 60).

It drives the same traffic as bench/soak.py (which it imports: anonymous and signed-in reads, wallet
purchases, gift redemptions by fresh browsers, searches, Content API reads) against pytest-django's
live server on the test PostgreSQL database: a short closed-loop probe measures capacity, then the
soak runs open-loop at 80% of it (bounded). Per 10-second window it records requests, errors, p50/p99
latency and this process's RSS (the live server runs in it). The table goes to
test-artifacts/soak-smoke.txt and to the terminal summary. The 600-second soak against `make cluster`
stays a by-hand run (bench/README.md).
"""

from __future__ import annotations

import importlib
import os
import resource
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import Count

from byline.articles.models import Article
from byline.ledger.invariants import problems
from byline.ledger.selectors import wallet_balance
from byline.purchases.models import Purchase
from tests.conftest import make_article

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = ROOT / "test-artifacts" / "soak-smoke.txt"
SECONDS = max(5, int(os.environ.get("BYLINE_SOAK_SECONDS", "60")))
WINDOW_S = 10
PROBE_S = 4
PROBE_THREADS = 4
SOAK_THREADS = 6
MAX_RATE = 150  # requests per second: the CI machine has 2 cores, shared with the live server
FUND_MINOR = 100_000  # what bench/clusterkit.py's make_buyers funds each buyer with
RSS_GROWTH_LIMIT_MIB = 64

SOAK_REPORT: list[str] = []  # the window table of the run, for tests/ops/conftest.py's terminal summary


def bench_soak():
    """bench/soak.py (and the bench/clusterkit.py it imports): the traffic and its arithmetic, shared."""
    bench = str(ROOT / "bench")
    if bench not in sys.path:
        sys.path.insert(0, bench)
    return importlib.import_module("soak")


def rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


class Soak:
    """Open-loop traffic at a set rate for a set time, counted in windows."""

    def __init__(self, soak_module, traffic, *, rate: float, seconds: int):
        self.soak, self.traffic, self.rate, self.seconds = soak_module, traffic, rate, seconds
        self.windows: dict[int, object] = {}
        self.memory: list[tuple[float, float]] = []
        self.failures: list[str] = []
        self.shed = 0
        self.kinds: Counter[str] = Counter()
        self.sent = 0
        self.lock = threading.Lock()
        self.start = 0.0

    def one(self, kind: str, call) -> None:
        began = time.monotonic()
        try:
            ok, note = call(), ""
        except Exception as error:  # noqa: BLE001 - a soak counts every failure, whatever it is
            ok, note = False, repr(error)
        finally:
            connections.close_all()  # a worker thread never keeps a database connection (it should open none)
        index = int((began - self.start) // WINDOW_S)
        with self.lock:
            self.kinds[kind] += 1
            window = self.windows.setdefault(index, self.soak.Window())
            window.latencies.append((time.monotonic() - began) * 1000)
            if not ok:
                window.errors += 1
                window.error_kinds[kind] = window.error_kinds.get(kind, 0) + 1
                if len(self.failures) < 20:
                    self.failures.append(f"{kind} {note}".strip())

    def run(self) -> None:
        stop = threading.Event()
        self.start = time.monotonic()
        self.memory.append((0.0, rss_mib()))
        next_sample = self.start + WINDOW_S
        with ThreadPoolExecutor(SOAK_THREADS, thread_name_prefix="soak") as pool:
            while (now := time.monotonic()) < self.start + self.seconds:
                due = int((now - self.start) * self.rate)
                if pool._work_queue.qsize() > SOAK_THREADS * 8:  # noqa: SLF001 - bounded: shed, and say so
                    self.shed += due - self.sent
                    self.sent = due
                while self.sent < due:
                    pool.submit(self.one, *self.traffic.pick())
                    self.sent += 1
                if now >= next_sample:
                    self.memory.append((next_sample - self.start, rss_mib()))
                    next_sample += WINDOW_S
                stop.wait(min(1 / self.rate, max(0.0, next_sample - now)))  # pacing, not waiting for a result
        self.memory.append((time.monotonic() - self.start, rss_mib()))

    def table(self, *, capacity: float) -> list[str]:
        pct = self.soak.percentile
        lines = [f"smoke soak: capacity probe {capacity:.0f} req/s (closed loop, {PROBE_THREADS} threads); "
                 f"open loop at {self.rate:.0f} req/s for {self.seconds} s, {SOAK_THREADS} client threads",
                 f"{'window':>8} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8} {'RSS MiB':>8}"]
        for index in sorted(self.windows):
            window = self.windows[index]
            rss = next((mib for at, mib in self.memory if at >= (index + 1) * WINDOW_S), self.memory[-1][1])
            lines.append(f"{index * WINDOW_S:>7}s {len(window.latencies):>9} {window.errors:>7} "
                         f"{pct(window.latencies, 0.5):>8.1f} {pct(window.latencies, 0.99):>8.1f} {rss:>8.1f}"
                         + (f"  errors: {window.error_kinds}" if window.errors else ""))
        total = sum(len(w.latencies) for w in self.windows.values())
        lines.append(f"requests {total} (shed {self.shed}); errors {self.errors}; RSS {self.memory[0][1]:.1f} -> "
                     f"{self.memory[-1][1]:.1f} MiB, slope after the first window "
                     f"{self.soak.slope_per_minute(self.memory[1:]):+.2f} MiB/min")
        lines.append("by kind: " + ", ".join(f"{kind} {n}" for kind, n in self.kinds.most_common())
                     + f"; purchases made {len(self.traffic.purchases)}")
        return lines + [f"failure: {failure}" for failure in self.failures]

    @property
    def errors(self) -> int:
        return sum(w.errors for w in self.windows.values())


@pytest.fixture
def soak_settings(settings):
    # One client address sends everything here; the per-address API and search limits are for the real world.
    settings.API_RATE_LIMIT_PER_IP = 10**9
    settings.SEARCH_RATE_LIMIT_PER_IP = settings.SEARCH_RATE_LIMIT_PER_READER = 10**9
    return settings


def test_mixed_traffic_at_80_percent_of_capacity_has_no_errors_flat_memory_and_sound_books(live_server,
                                                                                            soak_settings):
    soak = bench_soak()
    author = make_article().author
    for number in range(5):
        make_article(author=author, title=f"A soaked story {number}", slug=f"soaked-story-{number}")
    traffic = soak.Traffic(f"http://127.0.0.1:{live_server.thread.port}")

    capacity = soak.probe(traffic, seconds=PROBE_S, threads=PROBE_THREADS)
    rate = max(5.0, min(0.8 * capacity, MAX_RATE))
    expected = rate * SECONDS
    share = sum(soak.MIX.values())
    traffic.prepare(purchases=int(expected * soak.MIX["purchase"] / share * 1.3) + 10,
                    gifts=int(expected * soak.MIX["gift redemption"] / share * 1.3) + 5)
    buyer_ids = sorted({buyer.user_id for buyer, _ in traffic.pairs})

    run = Soak(soak, traffic, rate=rate, seconds=SECONDS)
    run.run()

    SOAK_REPORT[:] = run.table(capacity=capacity)
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text("\n".join(SOAK_REPORT) + "\n", encoding="utf-8")
    print("\n".join(SOAK_REPORT))

    made = traffic.purchases
    held = Purchase.objects.filter(reader_id__in=buyer_ids)
    doubled = held.values("reader_id", "article_id").annotate(n=Count("pk")).filter(n__gt=1)
    price = dict(Article.objects.values_list("slug", "price_minor"))
    wrong_balances = [
        user.username for user in get_user_model().objects.filter(pk__in=buyer_ids)
        if wallet_balance(reader=user, currency="USD")
        != FUND_MINOR - sum(price[slug] for reader_id, slug in made if reader_id == user.pk)
    ]
    rss_growth = run.memory[-1][1] - run.memory[1 if len(run.memory) > 2 else 0][1]

    assert run.errors == 0, "\n".join(SOAK_REPORT)
    assert made
    assert set(held.values_list("reader_id", "article__slug")) == set(made)
    assert held.count() == len(made)
    assert not doubled.exists()
    assert wrong_balances == []
    assert problems() == []
    assert rss_growth < RSS_GROWTH_LIMIT_MIB, "\n".join(SOAK_REPORT)

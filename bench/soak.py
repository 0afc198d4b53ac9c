"""Soak: mixed traffic against `make cluster` for a set time (by hand; bounded; 127.0.0.1 only).

    make cluster && python bench/soak.py [--seconds 600] [--rate RPS] [--window 10]

Traffic, by share of requests: anonymous article and home pages, signed-in reads, wallet purchases
(fresh buyer x article pairs, each with a unique idempotency key), gift-link redemptions by fresh
browsers, searches, Content API reads. Without --rate, a 5-second closed-loop probe measures
capacity and the soak runs open-loop at 80% of it. Every --window seconds it prints requests,
errors, p50/p99 latency and the app workers' total RSS; at the end the RSS slope (MiB per minute),
the purchases held against those made, and `manage.py ledger_check`. Exit 1 on any error, a
mismatch in the books, or a failed ledger_check.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlencode

import clusterkit as kit

BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"
ACCEPT_KEY = re.compile(r'name="accept_key" value="([^"]+)"')
MIX = {"anonymous read": 40, "signed-in read": 20, "purchase": 10, "gift redemption": 5, "search": 10,
       "API read": 15}
SEARCH_WORDS = ["harbour", "river", "canal", "history", "grain", "city", "运河", "历史"]


@dataclass
class Window:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)


class Traffic:
    """Everything the soak can ask, each as a callable returning (ok, label)."""

    def __init__(self, base: str):
        self.base = base
        self.slugs = kit.paid_articles()
        if not self.slugs:
            sys.exit("soak: the cluster has no paid articles (make cluster loads the demo)")
        self.readers = kit.make_buyers(8, prefix=f"soak-read-{uuid.uuid4().hex[:6]}")
        self.pairs: list[tuple[kit.Buyer, str]] = []
        self.gift_tokens: list[str] = []
        self.lock = threading.Lock()
        self.purchases: list[tuple[int, str]] = []

    def prepare(self, *, purchases: int, gifts: int) -> None:
        """Buyers (each buys each paid article once) and gift links enough for the run."""
        buyers = kit.make_buyers(purchases // len(self.slugs) + 1, prefix=f"soak-buy-{uuid.uuid4().hex[:6]}")
        self.pairs = [(buyer, slug) for buyer in buyers for slug in self.slugs]
        random.shuffle(self.pairs)
        self.gift_tokens = self._gift_tokens(gifts)

    def _gift_tokens(self, count: int) -> list[str]:
        """Gift links from givers who bought the article (the monthly quota limits each giver)."""
        from django.contrib.auth import get_user_model  # noqa: PLC0415

        from byline.articles.models import Article  # noqa: PLC0415
        from byline.purchases.services import unlock_with_wallet  # noqa: PLC0415
        from byline.sharing import conf  # noqa: PLC0415
        from byline.sharing.services import create_gift_link  # noqa: PLC0415

        article = Article.objects.get(slug=self.slugs[0])
        per_link, per_giver = max(1, conf.gift_max_redemptions()), max(1, conf.gift_monthly_quota())
        tokens: list[str] = []
        givers = kit.make_buyers(count // (per_link * per_giver) + 1, prefix=f"soak-give-{uuid.uuid4().hex[:6]}")
        for giver in givers:
            user = get_user_model().objects.get(pk=giver.user_id)
            unlock_with_wallet(reader=user, article=article, idempotency_key=uuid.uuid4().hex)
            for _ in range(per_giver):
                tokens += [create_gift_link(giver=user, article=article).token] * per_link
        return tokens

    def anonymous_read(self) -> bool:
        path = random.choice([f"/en/articles/{random.choice(self.slugs)}/"] * 4 + ["/en/", "/zh-hans/"])
        return kit.request(self.base, "GET", path).status == 200

    def signed_in_read(self) -> bool:
        reader = random.choice(self.readers)
        return kit.request(self.base, "GET", f"/en/articles/{random.choice(self.slugs)}/",
                           cookies=reader.cookies).status == 200

    def purchase(self) -> bool:
        with self.lock:
            pair = self.pairs.pop() if self.pairs else None
        if pair is None:
            return self.anonymous_read()
        answer = kit.buy(self.base, pair[0], pair[1])
        if kit.bought(answer):
            with self.lock:
                self.purchases.append((pair[0].user_id, pair[1]))
        return kit.bought(answer)

    def gift_redemption(self) -> bool:
        with self.lock:
            token = self.gift_tokens.pop() if self.gift_tokens else None
        if token is None:
            return self.anonymous_read()
        # A fresh browser looks at the link (no use taken), then presses "Open the gift": the page's form,
        # with its accept key and a CSRF token (cookie and field), lands back on the page (303).
        path, headers = f"/en/gift/{token}/", {"User-Agent": BROWSER_UA}
        page = kit.request(self.base, "GET", path, headers=headers)
        key = ACCEPT_KEY.search(page.body.decode(errors="replace"))
        if page.status != 200 or key is None:
            return False
        csrf = uuid.uuid4().hex
        answer = kit.request(self.base, "POST", path, headers=headers, cookies={"csrftoken": csrf},
                             form={"accept_key": key.group(1), "csrfmiddlewaretoken": csrf})
        return answer.status == 303 and answer.location == path

    def search(self) -> bool:
        query = urlencode({"q": random.choice(SEARCH_WORDS)})
        return kit.request(self.base, "GET", f"/en/search/?{query}").status == 200

    def api_read(self) -> bool:
        path = random.choice(["/api/v1/articles", f"/api/v1/articles/{random.choice(self.slugs)}"])
        return kit.request(self.base, "GET", path).status == 200

    def pick(self):
        kind = random.choices(list(MIX), weights=list(MIX.values()))[0]
        return kind, {"anonymous read": self.anonymous_read, "signed-in read": self.signed_in_read,
                      "purchase": self.purchase, "gift redemption": self.gift_redemption, "search": self.search,
                      "API read": self.api_read}[kind]


def probe(traffic: Traffic, seconds: float = 5, threads: int = 8) -> float:
    """Closed-loop requests per second over the same mix (purchases and gifts fall back to reads)."""
    done = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def loop() -> None:
        while time.monotonic() < stop_at:
            traffic.pick()[1]()
            with lock:
                done[0] += 1

    with ThreadPoolExecutor(threads) as pool:
        for _ in range(threads):
            pool.submit(loop)
    return done[0] / seconds


def slope_per_minute(points: list[tuple[float, float]]) -> float:
    if len(points) < 2:
        return 0.0
    xs, ys = [p[0] / 60 for p in points], [p[1] for p in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread if spread else 0.0


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--rate", type=float, default=0, help="requests per second (default: 80%% of a probe)")
    parser.add_argument("--window", type=int, default=10)
    parser.add_argument("--threads", type=int, default=32)
    args = parser.parse_args()
    seconds = max(10, min(args.seconds, 3600))
    base = kit.cluster_info()["url"]
    kit.django_setup()
    traffic = Traffic(base)
    rate = args.rate
    if not rate:
        # Probe the real mix: with no buyers or gift links prepared, purchases and redemptions would fall
        # back to cheap cached reads and the probe would overstate capacity (it did: 1,151 probed, about
        # 530 req/s sustained).
        traffic.prepare(purchases=400, gifts=60)
        capacity = probe(traffic)
        rate = 0.8 * capacity
        print(f"soak: capacity probe {capacity:.0f} req/s; soaking at {rate:.0f} req/s", flush=True)
    expected = rate * seconds
    traffic.prepare(purchases=int(expected * MIX["purchase"] / sum(MIX.values()) * 1.3) + 10,
                    gifts=int(expected * MIX["gift redemption"] / sum(MIX.values()) * 1.3) + 5)
    windows: dict[int, Window] = {}
    by_kind: dict[str, list[float]] = {}
    lock = threading.Lock()
    late = [0]

    def one(kind: str, call) -> None:
        began = time.monotonic()
        try:
            ok = call()
        except Exception:  # noqa: BLE001 - a soak counts every failure, whatever it is
            ok = False
        index = int((began - start) // args.window)
        with lock:
            window = windows.setdefault(index, Window())
            window.latencies.append((time.monotonic() - began) * 1000)
            by_kind.setdefault(kind, []).append(window.latencies[-1])
            if not ok:
                window.errors += 1
                window.error_kinds[kind] = window.error_kinds.get(kind, 0) + 1

    memory: list[tuple[float, float]] = []
    print(f"{'window':>8} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8} {'workers RSS MiB':>16}",
          flush=True)
    start = time.monotonic()
    next_report = start + args.window
    sent = 0
    pool = ThreadPoolExecutor(args.threads)
    try:
        while (now := time.monotonic()) < start + seconds:
            due = int((now - start) * rate)
            while sent < due:
                pool.submit(one, *traffic.pick())
                sent += 1
            if pool._work_queue.qsize() > args.threads * 4:  # noqa: SLF001 - falling behind: say so
                late[0] += 1
            if now >= next_report:
                index = int((next_report - start) // args.window) - 1
                rss = sum(kit.process_memory_kb(pid) for pid in kit.app_worker_pids()) / 1024
                memory.append((next_report - start, rss))
                with lock:
                    window = windows.get(index, Window())
                    print(f"{index * args.window:>7}s {len(window.latencies):>9} {window.errors:>7} "
                          f"{percentile(window.latencies, 0.5):>8.1f} {percentile(window.latencies, 0.99):>8.1f} "
                          f"{rss:>16.1f}" + (f"  errors: {window.error_kinds}" if window.errors else ""), flush=True)
                next_report += args.window
            time.sleep(0.002)
    finally:
        backlog = pool._work_queue.qsize()  # noqa: SLF001 - what was due but never sent
        pool.shutdown(wait=True, cancel_futures=True)
    errors = sum(w.errors for w in windows.values())
    total = sum(len(w.latencies) for w in windows.values())
    from django.db import connection  # noqa: PLC0415

    connection.close()
    held = set(kit.active_purchases(sorted({uid for uid, _ in traffic.purchases})))
    check = kit.manage("ledger_check")
    slope = slope_per_minute(memory[1:])  # the first window includes warm-up
    print(f"\nsoak: {total} requests in {seconds} s at {rate:.0f} req/s target; errors: {errors}; "
          f"scheduler fell behind in {late[0]} ticks; {backlog} due requests never sent")
    print(f"soak: app-worker RSS {memory[0][1] if memory else 0:.0f} -> {memory[-1][1] if memory else 0:.0f} MiB; "
          f"slope after the first window {slope:+.2f} MiB/min")
    print("soak: latency by kind (whole run): " + "; ".join(
        f"{kind} {len(values)} p50 {percentile(values, 0.5):.1f} p99 {percentile(values, 0.99):.1f} ms"
        for kind, values in sorted(by_kind.items())))
    print(f"soak: purchases made {len(traffic.purchases)}, held {len(held & set(traffic.purchases))}; "
          f"ledger_check: {(check.stdout or check.stderr).strip().splitlines()[-1:]}")
    books_ok = held >= set(traffic.purchases) and check.returncode == 0
    return 0 if errors == 0 and books_ok else 1


if __name__ == "__main__":
    sys.exit(main())

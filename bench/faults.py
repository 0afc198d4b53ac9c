"""Fault drills against `make cluster` (by hand; bounded; 127.0.0.1 only).

    make cluster && python bench/faults.py [--drill redis|postgres|app|all] [--seconds 20]

  redis     wrk reads the anonymous article page through nginx; the cluster's own Redis is stopped
            mid-run and started again. Pass: every answer 2xx; /healthz says "degraded" meanwhile.
  postgres  a stream of wallet purchases (fresh buyers, each key unique); the cluster's own
            PostgreSQL (var/cluster/pg, never the shared server) is stopped for 3 s and started
            again. Pass: every answer is a purchase (a redirect) or a 503 with Retry-After; the 503s,
            retried afterwards with the same idempotency keys, all succeed; the purchases are
            exactly the intended ones, none doubled; `manage.py ledger_check` passes.
  app       the same stream; one app server (master and workers, SIGKILL) dies mid-stream; nginx
            sends the requests on to the other app server (proxy_next_upstream ... non_idempotent,
            safe because the keys make a repeated POST buy once). Pass: no failed purchase; same
            ledger checks. The killed server is started again at the end.
Prints one report; exits 1 if any drill failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import clusterkit as kit

REPORT: list[tuple[str, bool, str]] = []


def record(drill: str, passed: bool, detail: str) -> None:
    REPORT.append((drill, passed, detail))
    print(f"  {'PASS' if passed else 'FAIL'}  {detail}", flush=True)


def health(base: str) -> str:
    answer = kit.request(base, "GET", "/healthz", timeout=5)
    try:
        return f"{answer.status} {json.loads(answer.body).get('status')}"
    except ValueError:
        return str(answer.status)


def redis_drill(base: str, cluster, seconds: int) -> None:
    print("\n[redis] stop the cluster's Redis during a wrk load of the anonymous article page", flush=True)
    if not cluster.Config.from_env().own_redis:
        record("redis", False, "skipped: the cluster uses CLUSTER_REDIS_URL, not its own Redis")
        return
    slug = kit.paid_articles(1)[0]
    wrk = subprocess.Popen(["wrk", "-t2", "-c16", f"-d{seconds}s", "--timeout", "10s", f"{base}/en/articles/{slug}/"],
                           stdout=subprocess.PIPE, text=True)
    time.sleep(seconds * 0.25)
    cluster.stop_process("redis")
    time.sleep(1)
    during = health(base)
    page = kit.request(base, "GET", f"/en/articles/{slug}/")
    time.sleep(seconds * 0.35)
    cluster.ensure_redis(kit.app_env())
    output, _ = wrk.communicate(timeout=seconds + 30)
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output)) else 0
    sockets = sum(int(n) for n in m.groups()) if (m := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)) else 0
    print(f"  wrk: {requests} requests, {non2xx} non-2xx, {sockets} socket errors; "
          f"/healthz while Redis was down: {during}; a page then: {page.status}; after: {health(base)}")
    record("redis", non2xx == 0 and sockets == 0 and page.status == 200 and "degraded" in during,
           f"{requests} page requests with Redis stopped for part of the run: {non2xx + sockets} failed")


def purchase_stream(base: str, buyers, slugs, *, seconds: float, fault, fault_at: float, workers: int = 6):
    """Buy (buyer, article) pairs, each with its own key, for `seconds`; run `fault()` at `fault_at`."""
    pairs = iter([(buyer, slug) for slug in slugs for buyer in buyers])
    lock = threading.Lock()
    results: list[tuple[kit.Buyer, str, str, kit.Answer]] = []
    stop_at = time.monotonic() + seconds

    def worker() -> None:
        while time.monotonic() < stop_at:
            with lock:
                pair = next(pairs, None)
            if pair is None:
                return
            key = uuid.uuid4().hex
            answer = kit.buy(base, pair[0], pair[1], key)
            with lock:
                results.append((pair[0], pair[1], key, answer))

    timer = threading.Timer(fault_at, fault)
    started = time.monotonic()
    timer.start()
    with ThreadPoolExecutor(workers) as pool:
        for _ in range(workers):
            pool.submit(worker)
    timer.join()
    print(f"  stream ran {time.monotonic() - started:.1f} s (fault at {fault_at:.1f} s)", flush=True)
    return results


def check_books(drill: str, results, *, retry_base: str | None = None) -> None:
    """Retry clean failures with their own keys, then compare purchases with intentions; ledger_check."""
    failed = [(b, s, k) for b, s, k, a in results if not kit.bought(a)]
    unclean = [a.status for *_, a in results if not kit.bought(a) and not kit.clean_failure(a)]
    retried_ok = 0
    if retry_base:
        for buyer, slug, key in failed:
            for _ in range(10):
                if kit.bought(kit.buy(retry_base, buyer, slug, key)):
                    retried_ok += 1
                    break
                time.sleep(1)
    from django.db import connection  # noqa: PLC0415

    connection.close()  # this process's own connection may not have survived the drill
    intended = {(b.user_id, s) for b, s, _, _ in results}
    held = kit.active_purchases(sorted({b.user_id for b, *_ in results}))
    doubled = len(held) - len(set(held))
    check = kit.manage("ledger_check")
    print(f"  {len(results)} purchases asked; {len(results) - len(failed)} bought at once; "
          f"{len(failed)} failed ({len(failed) - len(unclean)} as 503 + Retry-After, others: {unclean}); "
          f"{retried_ok} of them bought on retry with the same key")
    print(f"  purchases held: {len(set(held))} of {len(intended)} intended, {doubled} doubled; "
          f"ledger_check: {(check.stdout or check.stderr).strip().splitlines()[-1:]}")
    if retry_base is None:
        record(drill, not failed and set(held) == intended and not doubled and check.returncode == 0,
               f"{len(failed)} failed purchases of {len(results)}; books exact; ledger_check rc {check.returncode}")
    else:
        record(drill, not unclean and retried_ok == len(failed) and set(held) == intended and not doubled
               and check.returncode == 0,
               f"{len(failed)} clean 503s, {len(unclean)} unclean failures; all retried: {retried_ok == len(failed)}; "
               f"books exact; ledger_check rc {check.returncode}")


def postgres_drill(base: str, cluster, seconds: int) -> None:
    print("\n[postgres] restart the cluster's own PostgreSQL during a stream of wallet purchases", flush=True)
    if not cluster.Config.from_env().own_postgres:
        record("postgres", False, "skipped: the cluster uses the shared PostgreSQL, which is never restarted")
        return
    buyers = kit.make_buyers(120, prefix=f"drill-pg-{uuid.uuid4().hex[:6]}")
    results = purchase_stream(base, buyers, kit.paid_articles(), seconds=seconds,
                              fault=lambda: cluster.restart_postgres(3), fault_at=seconds * 0.3)
    check_books("postgres", results, retry_base=base)


def app_drill(base: str, cluster, seconds: int) -> None:
    print("\n[app] kill one app server (SIGKILL, master and workers) during a stream of purchases", flush=True)
    config = cluster.Config.from_env()
    victim = cluster.running("app-1")
    if victim is None:
        record("app", False, "app-1 is not running")
        return

    def kill() -> None:
        print(f"  killing app-1 ({config.server} pid {victim} and its workers)", flush=True)
        os.killpg(victim, signal.SIGKILL)

    buyers = kit.make_buyers(120, prefix=f"drill-app-{uuid.uuid4().hex[:6]}")
    results = purchase_stream(base, buyers, kit.paid_articles(), seconds=seconds, fault=kill, fault_at=seconds * 0.3)
    check_books("app", results)
    cluster.start_app_server(config, 1, config.app_ports[0], kit.app_env())
    cluster.wait_for(lambda: cluster.http_ok(f"http://127.0.0.1:{config.app_ports[0]}/healthz"), "app-1", 60)
    print("  app-1 started again", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drill", choices=["redis", "postgres", "app", "all"], default="all")
    parser.add_argument("--seconds", type=int, default=20, help="length of each drill's load (5-120)")
    args = parser.parse_args()
    seconds = max(5, min(args.seconds, 120))
    cluster = kit.cluster_module()
    base = kit.cluster_info()["url"]
    kit.django_setup()
    drills = {"redis": redis_drill, "postgres": postgres_drill, "app": app_drill}
    for name in drills if args.drill == "all" else [args.drill]:
        drills[name](base, cluster, seconds)
    print("\nfault drills:")
    for drill, passed, detail in REPORT:
        print(f"  {drill:<9} {'PASS' if passed else 'FAIL'}  {detail}")
    return 0 if all(passed for _, passed, _ in REPORT) else 1


if __name__ == "__main__":
    sys.exit(main())

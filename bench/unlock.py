"""Wallet unlocks per second on PostgreSQL at 1, 8 and 32 clients, against pgbench's TPC-B-like tps
measured on the same server in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/byline_bench .venv/bin/python bench/unlock.py [--seconds 5]

The database named in DATABASE_URL is migrated and filled with bench data (it should be a scratch
database); pgbench gets its own scratch database, `<name>_pgbench`. Each client is a separate process
with its own reader and connection, buying distinct articles from its wallet through
`purchases.services.unlock_with_wallet` (the same call the confirmation page makes).
Goal for later tuning: unlocks >= 25% of pgbench tps. It first prints the statements one unlock sends
(round trips, counted with CaptureQueriesContext), BEGIN and COMMIT included.

Each purchase's receipt e-mail waits in an outbox row the purchase writes (mail.models.ReceiptDue). By default
tasks run as the settings say (eager, in-process: the unlock then also renders and sends the e-mail after its
commit, some milliseconds). With `--queue-receipts` they run as a deployment with workers runs them
(CELERY_TASK_ALWAYS_EAGER=0): the receipts stay in the outbox for beat's sender, and the unlock pays nothing more.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BYLINE_DEMO", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "byline.settings")
CLIENT_COUNTS = (1, 8, 32)
ARTICLES_PER_LEVEL = 3000  # every client of a level buys from the same range, each level a fresh range


def pgbench_binary() -> str:
    found = shutil.which("pgbench") or "/usr/lib/postgresql/15/bin/pgbench"
    if not Path(found).exists():
        sys.exit("pgbench not found: install postgresql-contrib (or the PostgreSQL client package)")
    return found


def setup_django():
    import django

    django.setup()


def make_user(username: str):
    """A reader or author account (not tests.conftest's: benchmarks run after `make install`, without the
    test extras)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username=username, email=f"{username}@example.org",
                                                password="a-long-bench-password")


def prepare(max_clients: int) -> tuple[list[int], list[int]]:
    """Migrate, then create the author, articles and funded readers. Returns (reader ids, article ids)."""
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from byline.articles.models import Article, Author, Topic
    from byline.articles.services import render_into
    from byline.payments.services import credit_wallet

    run = uuid.uuid4().hex[:8]
    author_user = make_user(f"bench-author-{run}")
    author = Author.objects.create(user=author_user, slug=f"bench-author-{run}", display_name="Bench")
    topic, _ = Topic.objects.get_or_create(slug="bench", defaults={"name_en": "Bench"})
    template = Article(title="Bench", slug="x", topic=topic, author=author, price_minor=100, currency="USD",
                       visibility="paid", status="published", published_at=timezone.now(),
                       body_markdown="Free part.\n\n<!-- paywall -->\n\nPaid part.\n")
    render_into(template)
    fields = {f.attname: getattr(template, f.attname) for f in Article._meta.concrete_fields if f.attname != "id"}
    total = ARTICLES_PER_LEVEL * len(CLIENT_COUNTS) + 2  # the last two: `statements_per_unlock`
    Article.objects.bulk_create([Article(**dict(fields, slug=f"bench-{run}-{n}", title=f"Bench {n}"))
                                 for n in range(total)], batch_size=2000)
    article_ids = list(Article.objects.filter(slug__startswith=f"bench-{run}-").order_by("pk")
                       .values_list("pk", flat=True))
    readers = []
    for n in range(max_clients):
        reader = make_user(f"bench-reader-{run}-{n}")
        credit_wallet(reader=reader, amount_minor=100 * total, currency="USD",
                      key=f"bench-fund-{run}-{n}")
        readers.append(reader.pk)
    return readers, article_ids


def statements_per_unlock(reader_id: int, article_ids: list[int]) -> list[str]:
    """The statements of one unlock, outside any transaction, as the confirmation page makes it (after a
    first unlock by the same reader, as in the measurement: their currency is known by then)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from byline.articles.models import Article
    from byline.purchases.services import unlock_with_wallet

    reader = get_user_model().objects.get(pk=reader_id)
    first, second = Article.objects.select_related("author").filter(pk__in=article_ids).order_by("pk")
    unlock_with_wallet(reader=reader, article=first, idempotency_key=uuid.uuid4().hex)
    with CaptureQueriesContext(connection) as queries:
        unlock_with_wallet(reader=reader, article=second, idempotency_key=uuid.uuid4().hex)
    return [query["sql"] for query in queries.captured_queries]


def client(reader_id: int, article_ids: list[int], seconds: float, barrier, results) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connections

    connections.close_all()
    from byline.accounts.backends import USER_RELATED
    from byline.articles.models import Article
    from byline.purchases.services import unlock_with_wallet

    # As a signed-in request's user arrives (accounts.backends): with the reader's currency choice on the row, so
    # `currency_of` asks no cache.
    reader = get_user_model().objects.select_related(*USER_RELATED).get(pk=reader_id)
    articles = list(Article.objects.select_related("author").defer("body_markdown", "locked_html", "preview_html")
                    .filter(pk__in=article_ids).order_by("pk"))
    barrier.wait()  # every client loaded: start together
    start_at = time.time()
    done, deadline = 0, start_at + seconds
    for article in articles:
        if time.time() >= deadline:
            break
        unlock_with_wallet(reader=reader, article=article, idempotency_key=uuid.uuid4().hex)
        done += 1
    results.put((done, time.time() - start_at))
    connections.close_all()


def unlocks_per_second(clients: int, readers: list[int], article_ids: list[int], seconds: float,
                       offset: int) -> float:
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    results, barrier = context.Queue(), context.Barrier(clients)
    workers = []
    for n in range(clients):
        chunk = article_ids[offset * ARTICLES_PER_LEVEL:(offset + 1) * ARTICLES_PER_LEVEL]
        process = context.Process(
            target=client, args=(readers[n], chunk, seconds, barrier, results))
        process.start()
        workers.append(process)
    outcomes = [results.get(timeout=seconds + 120) for _ in workers]
    for process in workers:
        process.join()
    return sum(done for done, _ in outcomes) / max(elapsed for _, elapsed in outcomes)


def pgbench_tps(clients: int, seconds: float) -> float:
    from django.db import connection

    params = connection.settings_dict
    database = f"{params['NAME']}_pgbench"
    base = ["-h", params["HOST"] or "127.0.0.1", "-p", str(params["PORT"] or 5432), "-U", params["USER"] or "postgres"]
    jobs = min(clients, os.cpu_count() or 1)
    output = subprocess.run([pgbench_binary(), *base, "-c", str(clients), "-j", str(jobs), "-T", str(int(seconds)),
                             "-n", database], check=True, capture_output=True, text=True).stdout
    return float(re.search(r"tps = ([0-9.]+)", output).group(1))


def init_pgbench() -> None:
    from django.db import connection

    params = connection.settings_dict
    database = f"{params['NAME']}_pgbench"
    base = ["-h", params["HOST"] or "127.0.0.1", "-p", str(params["PORT"] or 5432), "-U", params["USER"] or "postgres"]
    subprocess.run(["dropdb", "--if-exists", *base, database], check=True)
    subprocess.run(["createdb", *base, database], check=True)
    subprocess.run([pgbench_binary(), *base, "-i", "-q", "-s", "1", database], check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each measurement")
    parser.add_argument("--queue-receipts", action="store_true",
                        help="as with workers: leave the receipts in the outbox for beat's sender, instead of eager")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a scratch PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/byline_bench")
    if args.queue_receipts:
        os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    setup_django()
    measure(args.seconds, receipts="left in the outbox for workers" if args.queue_receipts else "eager, in-process")


def measure(seconds: float, receipts: str) -> None:
    from django.db import connection

    print(f"PostgreSQL {connection.cursor().connection.info.server_version} at {connection.settings_dict['HOST']}, "
          f"{os.cpu_count()} CPUs, {seconds:g} s per measurement, load average {os.getloadavg()[0]:.1f}, "
          f"receipt e-mails {receipts}")
    readers, article_ids = prepare(max(CLIENT_COUNTS))
    statements = statements_per_unlock(readers[0], article_ids[-2:])
    print(f"one unlock: {len(statements)} statements (" + ", ".join(sql.split()[0] for sql in statements) + ")")
    for sql in statements:
        print("   ", sql[:110])
    init_pgbench()
    print(f"{'clients':>7}  {'unlocks/s':>10}  {'pgbench tps':>11}  {'ratio':>6}")
    for offset, clients in enumerate(CLIENT_COUNTS):
        unlocks = unlocks_per_second(clients, readers, article_ids, seconds, offset)
        tps = pgbench_tps(clients, seconds)
        print(f"{clients:>7}  {unlocks:>10.1f}  {tps:>11.1f}  {unlocks / tps:>6.1%}  "
              f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    from byline.ledger.invariants import problems

    found = problems()
    print("ledger_check:", "sound" if not found else f"{len(found)} problem(s): {found[:3]}")


if __name__ == "__main__":
    main()

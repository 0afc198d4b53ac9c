"""How fast does a newsletter go out, against what the mail sink can take?

    python bench/newsletter.py [--subscribers 100000] [--accounts 0.3] [--buyers 0.1] [--batch 500]
                               [--database postgres://postgres@127.0.0.1:5432/byline_x]

In a throwaway database (a test database beside the one named, or a temporary SQLite file) it makes one
paid article and N confirmed subscribers of its author: a share with accounts (`--accounts`), some of
whom bought the article (`--buyers`, real wallet purchases, so they get the full copy), the rest addresses
without accounts; a third want plain text, a fifth read Chinese. A local aiosmtpd sink runs in a second
process. Then:

- newsletter: the article goes live and the task its publish hook starts runs (Celery eager): it makes the
  outbox and sends it through Django's SMTP backend; timed from the task's start to the last message
  accepted by the sink (every row claimed, decided, rendered or substituted, sent, and marked sent);
- limit: the same number of pre-rendered, identical messages sent to the same sink by a bare `smtplib`
  loop over one connection, in the same run.

It prints both times, messages per second, the ratio (goal: at least 50% of the limit), how many copies
were rendered, and the send's peak resident memory (VmHWM counted from the publish, so the build of the
subscribers before it does not count; goal: at most 300 MiB per worker).
BENCH_PROFILE=1 prints a cProfile of the send (cumulative), to see where the time goes.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import platform
import random
import resource
import smtplib
import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _sink(port: int, ready, counter) -> None:
    """The SMTP sink, in its own process so it does not share this one's interpreter lock."""
    import asyncio
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)

    class Count:
        async def handle_DATA(self, server, session, envelope) -> str:
            with counter.get_lock():
                counter.value += 1
            return "250 OK"

    controller = Controller(Count(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    asyncio.run(asyncio.sleep(10**9))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _setup(database: str | None, port: int, redis: str | None) -> None:
    tmp = tempfile.mkdtemp(prefix="byline-newsletter-bench-")
    os.environ.update(BYLINE_DEMO="1", BYLINE_VAR_DIR=tmp, BYLINE_FAST_HASHER="1",
                      DJANGO_SETTINGS_MODULE="byline.settings", DATABASE_URL=database or f"sqlite:///{tmp}/b.sqlite3",
                      EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                      EMAIL_PORT=str(port))
    if redis:  # a cluster's workers share a Redis cache (Celery's broker is there anyway)
        os.environ["REDIS_URL"] = redis
    else:
        os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


CHUNK = 5000


def _build(subscribers: int, accounts: float, buyers: float, rng: random.Random):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from byline.articles.models import Article, Author, Topic
    from byline.articles.services import ArticleData, upsert_article
    from byline.audience.models import Consent, ListKind, Subscriber, Subscription
    from byline.payments.services import credit_wallet
    from byline.purchases.services import unlock_with_wallet

    User = get_user_model()
    author_user = User.objects.create_user("bench-author", "author@example.org", "a-long-pass-word")
    author = Author.objects.create(user=author_user, slug="bench-author", display_name="Bench Author")
    topic = Topic.objects.create(slug="bench", name_en="Bench")
    body = ("The free part of the bench article, a paragraph long enough to look like one.\n\n" * 4
            + "<!-- paywall -->\n\n" + "The locked part, which only buyers receive in full.\n\n" * 20)
    article, _ = upsert_article(ArticleData(title="The bench article", slug="bench-article", lang="en", topic=topic,
                                            author=author, body_markdown=body, price_minor=300, currency="USD",
                                            visibility="paid", status="draft"))
    now = timezone.now()
    with_account = int(subscribers * accounts)
    buyer_numbers = set(rng.sample(range(with_account), min(with_account, int(subscribers * buyers))))
    bought = []
    # Made CHUNK at a time and let go of: 100,000 model instances held at once would be this process's peak,
    # and the figure printed is meant to be the send's.
    for first in range(0, subscribers, CHUNK):
        numbers = range(first, min(first + CHUNK, subscribers))
        users = {n: User(username=f"r{n}", email=f"r{n}@example.org", password="!")
                 for n in numbers if n < with_account}
        User.objects.bulk_create(list(users.values()))
        bought += [user for n, user in users.items() if n in buyer_numbers]
        rows = Subscriber.objects.bulk_create(
            [Subscriber(email=users[n].email if n in users else f"a{n}@example.org", user=users.get(n),
                        confirmed_at=now, language="zh-hans" if n % 5 == 0 else "en",
                        mail_format="text" if n % 3 == 0 else "html") for n in numbers])
        Subscription.objects.bulk_create(
            [Subscription(subscriber_id=row.pk, kind=ListKind.AUTHOR, author=author, consent=Consent.DOUBLE_OPT_IN,
                          confirmed_at=now) for row in rows])
    # A draft cannot be bought; the bench's buyers bought it while it was briefly live, before this run.
    Article.objects.filter(pk=article.pk).update(status="published", published_at=timezone.now())
    article.refresh_from_db()
    for user in bought:  # real purchases, through the wallet, as readers make them
        credit_wallet(reader=user, amount_minor=300, currency="USD", key=f"bench-fund:{user.pk}")
        unlock_with_wallet(reader=user, article=article, idempotency_key=f"bench-buy:{user.pk}")
    Article.objects.filter(pk=article.pk).update(status="draft", published_at=None)
    return article, bought


def _restart_peak() -> None:
    """Count this process's peak resident memory from now on (Linux: VmHWM reset through clear_refs). The
    build of the subscribers before the send, or a forked worker's parent, must not set the send's figure."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass  # not Linux: the figure is then the whole process's peak


def _resident_mib() -> float:
    """Resident memory now, in MiB (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _peak_mib() -> float:
    """Peak resident memory since `_restart_peak` (else since the process started), in MiB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _send_worker(newsletter_id: int, batch: int, results, copies: dict) -> None:
    """One newsletter worker: batches until none is left; reports its peak memory and copies rendered."""
    from byline.audience import services

    _restart_peak()  # a forked child starts with its parent's high-water mark
    services.send_newsletter(newsletter_id=newsletter_id, limit=batch)
    results.put((_peak_mib(), max(copies.values(), default=0)))


def _bare_loop(port: int, count: int, message: bytes) -> tuple[float, float]:
    start, cpu_start = time.perf_counter(), time.process_time()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for n in range(count):
            smtp.sendmail("noreply@byline.local", [f"x{n}@example.org"], message)
    return time.perf_counter() - start, time.process_time() - cpu_start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--accounts", type=float, default=0.3, help="share of subscribers with an account")
    parser.add_argument("--buyers", type=float, default=0.01,
                        help="share of subscribers who bought the article (each a real wallet purchase)")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--database", help="a PostgreSQL URL; a test database is made beside it and dropped")
    parser.add_argument("--redis", help="a Redis URL for the cache (as in a cluster); else the one-machine file cache")
    parser.add_argument("--workers", type=int, default=1,
                        help="newsletter worker processes side by side (production: NEWSLETTER_PARALLEL_SENDS); "
                             "1 sends in this process, as the eager task does")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    port = _free_port()
    ready, counter = multiprocessing.Event(), multiprocessing.Value("q", 0)
    sink = multiprocessing.Process(target=_sink, args=(port, ready, counter), daemon=True)
    sink.start()
    ready.wait(30)
    _setup(args.database, port, args.redis)
    from django.db import connection
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    from byline.audience import services
    from byline.audience.models import Delivery

    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        article, bought = _build(args.subscribers, args.accounts, args.buyers, random.Random(args.seed))
        buyers = len(bought)
        engine = connection.vendor
        if engine == "postgresql":
            # A live site's tables have statistics (autovacuum analyzes them); rows bulk-made a moment ago have
            # none, and the recipients query then plans a nested loop that rescans every subscription per
            # subscriber (about a minute per 5,000 recipients at 100,000). Measure the send, not that.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        copies: dict = {}
        real_key = services.CopyBook.key_for

        def counted(book, subscriber):
            result = real_key(book, subscriber)
            copies[id(book)] = len(book.copies)
            return result

        services.CopyBook.key_for = counted
        from django.conf import settings
        from django.utils import timezone

        from byline.access.decision import decide

        settings.NEWSLETTER_BATCH_SIZE = args.batch
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # the test environment's is locmem
        from byline.articles.models import Article
        from byline.audience.tasks import queue_newsletter

        # Published without the save hooks (the recommender's refresh is another app's cost); then exactly
        # what the publish hook starts: the task that makes the outbox and (eager) sends it.
        Article.objects.filter(pk=article.pk).update(status="published", published_at=timezone.now())
        article = Article.objects.get(pk=article.pk)
        before = counter.value
        gc.collect()
        build_peak = _peak_mib()
        _restart_peak()
        at_publish = _resident_mib()
        start, cpu_start = time.perf_counter(), time.process_time()
        worker_rss: list[float] = []
        if args.workers > 1:
            # As Celery runs it with NEWSLETTER_PARALLEL_SENDS chains: the outbox made once, then that many
            # worker processes (forked here, each with its own database and SMTP connection) take batches.
            from django.db import connections

            newsletter = services.queue_newsletter(article_id=article.pk)
            connections.close_all()
            results = multiprocessing.get_context("fork").Queue()
            workers = [multiprocessing.get_context("fork").Process(
                target=_send_worker, args=(newsletter.pk, args.batch, results, copies)) for _ in range(args.workers)]
            for worker in workers:
                worker.start()
            for _ in workers:
                rss, most = results.get()
                worker_rss.append(rss)
                copies[len(copies)] = most
            for worker in workers:
                worker.join()
        elif os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(queue_newsletter.delay, article.pk)
            pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_PROFILE_SORT", "cumulative")).print_stats(35)
        else:
            queue_newsletter.delay(article.pk)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        send_peak = _peak_mib()
        if bought:
            assert decide(bought[0], article).allowed, "a bench buyer must read the full text"
        accepted = counter.value - before
        full = Delivery.objects.filter(copy="full").count()
        sample = Delivery.objects.filter(copy="preview").select_related("subscriber").first()
        book = services.CopyBook(article)
        _name, copy, links = book.for_subscriber(sample.subscriber)
        message = services.build_message(subject=copy.subject, text=copy.text, html=copy.html,
                                         to=sample.subscriber.email).message().as_bytes(linesep="\r\n")
        limit, limit_cpu = _bare_loop(port, args.subscribers, message)
    finally:
        teardown_databases(old_config, verbosity=0)
        sink.terminate()

    print(f"newsletter bench: {args.subscribers} subscribers ({args.accounts:.0%} with accounts, {buyers} buyers), "
          f"batch {args.batch}, {engine}, cache {'redis' if args.redis else 'files'}, {args.workers} worker(s)")
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"  newsletter: {elapsed:8.2f} s  ({accepted / elapsed:8.0f} msg/s) from publish to the last accepted, "
          f"{accepted} accepted by the sink, {full} full copies, at most {max(copies.values(), default=0)} copies "
          f"rendered per batch")
    print(f"  limit (bare smtplib, pre-rendered, one connection): {limit:8.2f} s  "
          f"({args.subscribers / limit:8.0f} msg/s)")
    print(f"  ratio: {limit / elapsed:.0%} of the limit (goal >= 50%); peak memory of the send "
          f"{send_peak:.0f} MiB (resident, from publish to the last message: the outbox, the notifications and "
          f"the send{' before the workers forked' if worker_rss else ''}; goal <= 300 MiB per worker; "
          f"{at_publish:.0f} MiB resident at the publish); this process's peak before it {build_peak:.0f} MiB "
          f"(the build of the subscribers)")
    print(f"  CPU time of this process (the machine is shared: wall times above depend on its load): newsletter "
          f"{cpu:.2f} s ({cpu / max(accepted, 1) * 1e3:.2f} ms/msg{', workers not counted' if worker_rss else ''}), "
          f"limit {limit_cpu:.2f} s ({limit_cpu / args.subscribers * 1e3:.2f} ms/msg)")
    if worker_rss:
        print(f"  {len(worker_rss)} worker processes, peak memory each: "
              + ", ".join(f"{rss:.0f} MiB" for rss in worker_rss))
    print(f"  uptime: {os.popen('uptime').read().strip()}")
    assert accepted == args.subscribers, f"{accepted} accepted for {args.subscribers} subscribers"


if __name__ == "__main__":
    main()

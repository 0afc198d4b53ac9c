"""Does search take longer for a word that is only in locked text than for a word found nowhere?

    python bench/search_timing.py [--n 1000] [--articles 300] [--reader signed-in|anonymous]
                                  [--database postgres://postgres@127.0.0.1:5432/byline_x] [--code DIR]

A statistical timing test (issue 16, finding 5). It builds a throwaway database (a test database
beside the one named, or a temporary SQLite file) with `--articles` paid articles whose locked
parts share a set of words that appear in no public text, then searches the search page as a
reader without access, N times per word group, interleaved in a random order, timing each whole
request (rate limits raised out of the way). It prints the median of each group and the
Mann-Whitney U test's z (two-sided, normal approximation; |z| > 3 is a difference no one should
believe is chance):

- locked vs nowhere: words only in locked text against words found nowhere. The finding: this
  must look like the controls.
- control, nowhere vs nowhere: two groups of words found nowhere (what chance looks like here).
- control, locked vs locked: two groups of locked-only words.
- sensitivity, public vs nowhere: words in public text (they find articles, so the page does more
  work) against words found nowhere: proves the bench can see a real difference.

`--code DIR` runs the same measurement against another checkout's `byline` package (e.g. the main
branch before the fix), to compare in the same run on the same machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import string
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _words(rng: random.Random, count: int, prefix: str) -> list[str]:
    """Made-up words no dictionary or stemmer will fold into one another."""
    return [prefix + "".join(rng.choice(string.ascii_lowercase) for _ in range(7)) + "q" for _ in range(count)]


def _setup(database: str | None) -> None:
    tmp = tempfile.mkdtemp(prefix="byline-search-bench-")
    os.environ.update(BYLINE_DEMO="1", BYLINE_VAR_DIR=tmp, BYLINE_FAST_HASHER="1",
                      DJANGO_SETTINGS_MODULE="byline.settings", DJANGO_ALLOW_ASYNC_UNSAFE="true",
                      DATABASE_URL=database or f"sqlite:///{tmp}/bench.sqlite3",
                      BYLINE_SEARCH_RATE_PER_IP="1000000000", BYLINE_SEARCH_RATE_PER_READER="1000000000")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def _build(articles: int, groups: dict[str, list[str]], rng: random.Random) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from byline.articles.models import Author, Topic
    from byline.articles.services import ArticleData, upsert_article

    user = get_user_model().objects.create_user("bench-author", password="a-long-bench-password")
    author = Author.objects.create(user=user, slug="bench-author", display_name="Bench")
    topic = Topic.objects.create(slug="bench", name_en="Bench")
    filler = _words(rng, 400, "f")
    locked_words = groups["locked A"] + groups["locked B"]
    for number in range(articles):
        public = " ".join(rng.choice(filler) for _ in range(60)) + " " + " ".join(groups["public"])
        # Every locked-only word in about half of the articles' locked parts: long index entries.
        locked = " ".join(rng.choice(filler) for _ in range(200)) + " " + " ".join(
            word for word in locked_words if rng.random() < 0.5)
        upsert_article(ArticleData(
            title=f"Bench story {number}", slug=f"bench-{number}", lang="en", topic=topic, author=author,
            body_markdown=f"{public}.\n\n<!-- paywall -->\n\n{locked}.", price_minor=300, visibility="paid",
            published_at=timezone.now() - timezone.timedelta(days=1)))


def _mann_whitney_z(a: list[float], b: list[float]) -> float:
    from scipy.stats import mannwhitneyu

    u = mannwhitneyu(a, b, alternative="two-sided", method="asymptotic").statistic
    n1, n2 = len(a), len(b)
    return (u - n1 * n2 / 2) / ((n1 * n2 * (n1 + n2 + 1) / 12) ** 0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="searches per word group (default 1000)")
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--reader", choices=["signed-in", "anonymous"], default="signed-in")
    parser.add_argument("--database", help="a PostgreSQL URL; a test database is made beside it and dropped")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose byline package to measure")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    rng = random.Random(args.seed)
    groups = {name: _words(rng, 10, name[0] + name[-1]) for name in
              ("locked A", "locked B", "nowhere A", "nowhere B", "public")}

    _setup(args.database)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        _build(args.articles, groups, rng)
        client = Client()
        if args.reader == "signed-in":
            client.force_login(get_user_model().objects.create_user("bench-reader", password="a-long-pass-word"))
        for word in groups["public"][:1] + groups["locked A"][:1]:  # warm every code path once
            client.get("/en/search/", {"q": word})
        timings: dict[str, list[float]] = {name: [] for name in groups}
        for round_number in range(args.n):
            order = list(groups)
            rng.shuffle(order)
            for name in order:
                word = groups[name][round_number % len(groups[name])]
                start = time.perf_counter_ns()
                response = client.get("/en/search/", {"q": word})
                timings[name].append((time.perf_counter_ns() - start) / 1e6)
                assert response.status_code == 200, response.status_code
        engine = connection.vendor
    finally:
        teardown_databases(old_config, verbosity=0)

    print(f"search timing: {args.n} searches per group, {args.articles} paid articles, reader {args.reader}, "
          f"{engine}, code from {args.code.resolve()}")
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")
    for name, values in timings.items():
        print(f"  {name:<10} median {statistics.median(values):7.3f} ms   p90 "
              f"{statistics.quantiles(values, n=10)[-1]:7.3f} ms")
    comparisons = [("locked vs nowhere (the finding)", "locked A", "nowhere A"),
                   ("control: nowhere vs nowhere", "nowhere A", "nowhere B"),
                   ("control: locked vs locked", "locked A", "locked B"),
                   ("sensitivity: public vs nowhere", "public", "nowhere B")]
    for label, first, second in comparisons:
        print(f"  {label:<34} Mann-Whitney z = {_mann_whitney_z(timings[first], timings[second]):+6.2f}   "
              f"(medians {statistics.median(timings[first]):.3f} vs {statistics.median(timings[second]):.3f} ms)")


if __name__ == "__main__":
    main()

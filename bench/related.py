"""Benchmark Byline's related-articles engine on synthetic catalogues.

    python bench/related.py [--sizes 1000,10000,100000] [--new 20] [--data DIR] [--no-page]

Catalogues are built at run time from the shared labelled corpora (never
copied into the repo): each synthetic doc takes the title of a random real
article and a body made of sentences drawn from several articles of the
same category, so docs are topical but not duplicates.  Each size runs in
its own subprocess so peak memory (ru_maxrss) is per size.

Reported per size: rebuild wall time and CPU time (the parent process plus
the forked workers the engine uses on large catalogues; on a shared, busy
machine CPU time is the steadier figure), peak resident memory of the parent
and of the largest worker, publish-time update latency (the engine's
``related_for_new``: the new doc joins the saved index and the lists it enters are
re-ranked; "relisted" is how many other lists that was per new doc), the time to
save and to load that index, P@6 against the synthetic docs' source category (a sanity check that
the approximate search at scale still finds topical neighbours), and a plain
TF-IDF top-6 reference timed in the same process.  Finally the article
page's database queries are counted with Django's CaptureQueriesContext on a
small catalogue in a temporary SQLite database (the related list is one
indexed query whatever the catalogue size).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DATA = [Path("/work/shared/data"), ROOT.parent / "shared" / "data"]
CORPORA = ["bbc-news-en/articles.jsonl", "thucnews-cnews-zh/articles.jsonl"]
REFERENCE_MAX = 10_000
_SENT = re.compile(r"(?<=[.!?。！？])\s*")


def _data_dir(arg: str | None) -> Path:
    for d in [Path(arg)] if arg else DEFAULT_DATA:
        if all((d / c).exists() for c in CORPORA):
            return d
    sys.exit("shared corpora not found; pass --data DIR")


def make_catalogue(n: int, data: Path, seed: int = 0, labels: list | None = None):
    from byline.recommend.engine import Doc
    from byline.recommend.evaluation import load_corpus

    rng = random.Random(seed)
    pools: dict[tuple[str, str], dict] = {}
    for c in CORPORA:
        for r in load_corpus(data / c):
            pool = pools.setdefault((r.lang, r.category), {"titles": [], "sents": [], "sizes": []})
            sents = [s for s in _SENT.split(r.body) if s.strip()]
            pool["titles"].append(r.title)
            pool["sents"].extend(sents)
            pool["sizes"].append(len(sents))
    keys = sorted(pools)
    docs = []
    t0 = 1_700_000_000.0
    for i in range(n):
        lang, cat = keys[rng.randrange(len(keys))]
        pool = pools[lang, cat]
        size = rng.choice(pool["sizes"])
        sents = [pool["sents"][rng.randrange(len(pool["sents"]))] for _ in range(max(1, size))]
        sep = "" if lang != "en" else " "
        if labels is not None:
            labels.append((lang, cat))
        docs.append(
            Doc(
                id=i + 1,
                lang=lang,
                title=rng.choice(pool["titles"]),
                topic="",
                text=sep.join(sents),
                published_at=t0 - rng.random() * 365 * 86400,
                popularity=float(int(rng.paretovariate(1.2))),
            )
        )
    return docs


def run_one(n: int, n_new: int, data: Path) -> dict:
    """Run in a fresh process: build, rebuild, publish-time updates, baseline."""
    import pickle
    import tempfile

    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    from byline.recommend.engine import build_index, related_for_all, related_for_new
    from byline.recommend.tokens import tokenize

    labels: list = []
    docs = make_catalogue(n + n_new, data, labels=labels)
    base, fresh = docs[:n], docs[n:]
    rng = random.Random(1)
    events = [(f"r{rng.randrange(n // 5 + 1)}", rng.randrange(1, n + 1), 1.0) for _ in range(n * 3)]

    def cpu() -> float:
        return (resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_SELF).ru_stime
                + resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
                + resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime)

    c, t = cpu(), time.perf_counter()
    index = build_index(base)
    t_build = time.perf_counter() - t
    lists = related_for_all(index, k=6, events=events)
    t_all = time.perf_counter() - t - t_build
    cpu_s = cpu() - c
    assert len(lists) == n
    rss_engine = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rss_worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    hits = [labels[o - 1] == labels[d.id - 1] for d in base[:5000] for o, _ in lists[d.id]]
    precision = sum(hits) / max(1, len(hits))

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.pkl"
        t = time.perf_counter()
        path.write_bytes(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
        t_save = time.perf_counter() - t
        t = time.perf_counter()
        index = pickle.loads(path.read_bytes())
        t_load = time.perf_counter() - t
        size_mb = path.stat().st_size / 2**20

    lat, lat_cpu, changed = [], [], []
    for d in fresh:  # each new doc joins the index, as successive publishes do
        t, c = time.perf_counter(), time.process_time()
        _, others = related_for_new(index, d, k=6)
        lat.append(time.perf_counter() - t)
        lat_cpu.append(time.process_time() - c)
        changed.append(len(others))
    del index, lists

    # reference: plain TF-IDF (sklearn defaults, same tokeniser) top-6 by chunked sparse
    # products, same catalogue, same process afterwards; it is quadratic, so above
    # REFERENCE_MAX docs it is timed on the first REFERENCE_MAX and scaled by (n / m)^2
    m = min(n, REFERENCE_MAX)
    ref_docs = base[:m]
    t = time.perf_counter()
    X = TfidfVectorizer(analyzer=tokenize).fit_transform([d.title + "\n" + d.text for d in ref_docs])
    XT = X.T.tocsr()
    chunk = max(16, int(4_000_000 // max(1, m)))
    for s in range(0, m, chunk):
        R = (X[s : s + chunk] @ XT).toarray()
        R[np.arange(R.shape[0]), np.arange(s, s + R.shape[0])] = -1
        np.argpartition(-R, 6, axis=1)[:, :6]
    t_ref = (time.perf_counter() - t) * (n / m) ** 2
    lat.sort()
    return {
        "n": n,
        "build_s": t_build,
        "related_all_s": t_all,
        "rebuild_s": t_build + t_all,
        "rebuild_cpu_s": cpu_s,
        "peak_rss_mb": rss_engine,
        "worker_rss_mb": rss_worker,
        "p_at_6": precision,
        "index_mb": size_mb,
        "index_load_s": t_load,
        "index_save_s": t_save,
        "lists_changed_per_new": statistics.mean(changed),
        "new_median_ms": 1000 * statistics.median(lat),
        "new_p95_ms": 1000 * lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))],
        "new_cpu_median_ms": 1000 * statistics.median(lat_cpu),
        "tfidf_ref_s": t_ref,
    }


def page_queries() -> dict:
    """Queries of the article page on a small catalogue in a throwaway SQLite database."""
    import tempfile

    tmp = tempfile.mkdtemp(prefix="byline-bench-")
    os.environ.update(BYLINE_DEMO="1", BYLINE_VAR_DIR=tmp, DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3",
                      BYLINE_FAST_HASHER="1", DJANGO_SETTINGS_MODULE="byline.settings")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    from byline.articles.models import Author, Topic
    from byline.articles.services import ArticleData, upsert_article
    from byline.recommend.services import rebuild_related

    setup_test_environment()
    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench-author", password="a-long-bench-password")
    author = Author.objects.create(user=user, slug="bench-author", display_name="Bench")
    topic = Topic.objects.create(slug="bench", name_en="Bench")
    docs = make_catalogue(60, _data_dir(None))
    articles = [
        upsert_article(ArticleData(title=d.title[:190] or f"Story {d.id}", slug=f"story-{d.id}", lang=d.lang,
                                   topic=topic, author=author, body_markdown=d.text[:3000],
                                   published_at=timezone.now() - timezone.timedelta(days=1)))[0]
        for d in docs
    ]
    rebuild_related()
    url = articles[0].get_absolute_url()
    out = {}
    client = Client()
    for label in ("anonymous, first view", "anonymous, cached"):
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        out[label] = len(queries)
    reader = get_user_model().objects.create_user("bench-reader", password="a-long-bench-password")
    client.force_login(reader)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    out["signed in"] = len(queries)
    if os.environ.get("BENCH_SHOW_SQL"):
        print(*[q["sql"][:150] for q in queries], sep="\n")
    out["related (of those)"] = sum("recommend_relatedarticle" in q["sql"] for q in queries)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--new", type=int, default=20, help="new docs timed for the publish-time update")
    ap.add_argument("--data", default=None)
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--no-page", action="store_true", help="skip counting the article page's queries")
    a = ap.parse_args()
    data = _data_dir(a.data)
    if a.one is not None:
        print(json.dumps(run_one(a.one, a.new, data)))
        return
    sizes = [int(s) for s in a.sizes.split(",") if s]
    print(
        f"# machine: {os.cpu_count()} CPU cores visible, load average {os.getloadavg()[0]:.1f}, "
        f"python {sys.version.split()[0]}; sizes {sizes}; one run per size in its own subprocess; "
        f"publish-time latency over {a.new} new docs; events = 3 random reads per doc; k = 6"
    )
    print("# rebuild = build_index + related_for_all (with events); cpu = parent + forked workers; "
          "peak = ru_maxrss of the parent (includes the catalogue text) / largest worker; "
          "P@6 = share of list entries from the doc's source category (first 5,000 docs); "
          "reference = plain TF-IDF top-6, same catalogue, same subprocess "
          f"(above {REFERENCE_MAX:,} docs: timed on {REFERENCE_MAX:,} and scaled by the square of the size ratio)")
    head = (f"{'docs':>8} {'build s':>8} {'lists s':>8} {'rebuild s':>10} {'cpu s':>7} {'peak MB':>8} "
            f"{'worker MB':>10} {'P@6':>6} {'index MB':>9} {'load s':>7} {'save s':>7} {'new med ms':>11} "
            f"{'new p95 ms':>11} {'new cpu ms':>11} {'relisted':>9} "
            f"{'tfidf s':>8} {'ratio':>6}")
    print(head)
    for n in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n), "--new", str(a.new), "--data", str(data)],
            capture_output=True, text=True,
        )
        if out.returncode != 0:
            print(f"{n:>8} FAILED: {out.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{n:>8} {r['build_s']:>8.1f} {r['related_all_s']:>8.1f} {r['rebuild_s']:>10.1f} "
            f"{r['rebuild_cpu_s']:>7.1f} {r['peak_rss_mb']:>8.0f} {r['worker_rss_mb']:>10.0f} "
            f"{r['p_at_6']:>6.3f} {r['index_mb']:>9.0f} {r['index_load_s']:>7.2f} {r['index_save_s']:>7.2f} "
            f"{r['new_median_ms']:>11.1f} {r['new_p95_ms']:>11.1f} {r['new_cpu_median_ms']:>11.1f} "
            f"{r['lists_changed_per_new']:>9.1f} "
            f"{r['tfidf_ref_s']:>8.1f} {r['rebuild_s'] / r['tfidf_ref_s']:>6.2f}",
            flush=True,
        )
    if not a.no_page:
        counts = page_queries()
        print("# article page, database queries (60 articles, temporary SQLite, CaptureQueriesContext): "
              + "; ".join(f"{k}: {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()

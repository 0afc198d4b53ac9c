"""Benchmark Byline's related-articles engine on synthetic catalogues.

    python bench/related.py [--sizes 1000,10000,100000] [--new 20] [--data DIR]

Catalogues are built at run time from the shared labelled corpora (never
copied into the repo): each synthetic doc takes the title of a random real
article and a body made of sentences drawn from several articles of the
same category, so docs are topical but not duplicates.  Each size runs in
its own subprocess so peak memory (ru_maxrss) is per size.
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
_SENT = re.compile(r"(?<=[.!?。！？])\s*")


def _data_dir(arg: str | None) -> Path:
    for d in [Path(arg)] if arg else DEFAULT_DATA:
        if all((d / c).exists() for c in CORPORA):
            return d
    sys.exit("shared corpora not found; pass --data DIR")


def make_catalogue(n: int, data: Path, seed: int = 0):
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
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    from byline.recommend.engine import build_index, related_for_all, related_for_new
    from byline.recommend.tokens import tokenize

    docs = make_catalogue(n + n_new, data)
    base, fresh = docs[:n], docs[n:]
    rng = random.Random(1)
    events = [(f"r{rng.randrange(n // 5 + 1)}", rng.randrange(1, n + 1), 1.0) for _ in range(n * 3)]

    t = time.perf_counter()
    index = build_index(base)
    t_build = time.perf_counter() - t
    t = time.perf_counter()
    lists = related_for_all(index, k=6, events=events)
    t_all = time.perf_counter() - t
    assert len(lists) == n
    rss_engine = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    lat = []
    for d in fresh:
        t = time.perf_counter()
        related_for_new(index, d, k=6)
        lat.append(time.perf_counter() - t)
    del index, lists

    # reference: plain TF-IDF (sklearn defaults, same tokeniser) top-6 by
    # chunked sparse products, same catalogue, same process afterwards
    t = time.perf_counter()
    X = TfidfVectorizer(analyzer=tokenize).fit_transform([d.title + "\n" + d.text for d in base])
    XT = X.T.tocsr()
    chunk = max(16, int(4_000_000 // max(1, n)))
    for s in range(0, n, chunk):
        R = (X[s : s + chunk] @ XT).toarray()
        R[np.arange(R.shape[0]), np.arange(s, s + R.shape[0])] = -1
        np.argpartition(-R, 6, axis=1)[:, :6]
    t_ref = time.perf_counter() - t
    lat.sort()
    return {
        "n": n,
        "build_s": t_build,
        "related_all_s": t_all,
        "rebuild_s": t_build + t_all,
        "peak_rss_mb": rss_engine,
        "new_median_ms": 1000 * statistics.median(lat),
        "new_p95_ms": 1000 * lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))],
        "tfidf_ref_s": t_ref,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--new", type=int, default=20, help="new docs timed for the publish-time update")
    ap.add_argument("--data", default=None)
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    data = _data_dir(a.data)
    if a.one is not None:
        print(json.dumps(run_one(a.one, a.new, data)))
        return
    sizes = [int(s) for s in a.sizes.split(",") if s]
    print(
        f"# machine: {os.cpu_count()} CPU cores visible, python {sys.version.split()[0]}; "
        f"sizes {sizes}; one run per size in its own subprocess; publish-time latency over "
        f"{a.new} new docs; events = 3 random reads per doc; k = 6"
    )
    print("# rebuild = build_index + related_for_all (with events); peak = ru_maxrss of the "
          "subprocess after rebuild (includes catalogue text); reference = plain TF-IDF top-6, same catalogue, "
          "same subprocess")
    head = (f"{'docs':>8} {'build s':>8} {'lists s':>8} {'rebuild s':>10} {'peak MB':>8} {'new med ms':>11} "
            f"{'new p95 ms':>11} {'tfidf s':>8} {'ratio':>6}")
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
            f"{r['peak_rss_mb']:>8.0f} {r['new_median_ms']:>11.1f} {r['new_p95_ms']:>11.1f} "
            f"{r['tfidf_ref_s']:>8.1f} {r['rebuild_s'] / r['tfidf_ref_s']:>6.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()

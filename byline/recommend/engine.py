"""Related-articles engine for Byline (pure Python, no Django).

Callers work with plain :class:`Doc` records and integer ids; nothing here
touches a database.  The flow is::

    index = build_index(docs)                       # fit + text neighbour graph
    lists = related_for_all(index, k=6, events=ev)  # full rebuild of every list
    mine, inserts = related_for_new(index, doc)     # publish-time update

What callers may rely on
------------------------
* A doc never appears in its own list; ids in ``exclude`` never appear in any
  list (use it for unpublished, withdrawn or paywalled-elsewhere articles).
* Lists are ordered best first, hold at most ``k`` entries, contain no
  duplicate ids, and scores are finite floats that decrease down the list
  (after MMR the score shown is the blended relevance, the order is MMR's).
* Docs in the same language come first; a doc in another language is only
  admitted when its blended score is at least ``cross_lang_threshold`` and
  then at most ``max_cross_lang`` of them, after the same-language entries.
* Results are deterministic for the same inputs and parameters.

Scoring (see :class:`Params` for every knob)
--------------------------------------------
1. TF-IDF (sublinear tf, L2 norm) with one vocabulary fitted on whole docs;
   title, topic and text are transformed separately and summed with weights
   (title counts more), then L2-normalised.  Rare (min_df) and very common
   (max_df) terms are pruned.
2. Text neighbour graph ``S``: LSA vectors (truncated SVD fitted on a
   sample, every doc projected) and, for each doc, its top ``candidates``
   neighbours by ``(1 - lsa_alpha) * tfidf_cos + lsa_alpha * lsa_cos``,
   scored in dense blocks.  Up to ``exact_max_docs`` docs every pair is
   scored; above it docs are grouped by spherical k-means on their LSA
   vectors and each group searches only its ``cluster_probe`` nearest groups,
   so work and memory grow about as n * sqrt(n) rather than n^2.  On large
   catalogues tokenising and the search run on ``workers`` forked processes.
3. Neighbourhood re-ranking (one round of query expansion on the graph):
   ``T = (S + beta * W @ S) / (1 + beta)`` where ``W`` spreads each doc's
   weight over its ``expansion`` best neighbours.  A neighbour that is also
   close to my neighbours rises; a one-off lexical match sinks.
4. Behaviour: reader events give a doc x reader matrix whose rows are
   L2-normalised, so co-reading is a cosine over reader sets and popular docs
   do not dominate.  Final relevance is
   ``w_text*T + w_coread*C + w_popularity*pop + w_freshness*fresh``, the two
   priors being in [0, 1] (log-scaled popularity, exponential freshness decay)
   and applied only to docs that are already candidates by text or co-reading.
5. Diversity: maximal marginal relevance over the candidates, using the text
   similarity between candidates, so the final k are not near-duplicates.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from .tokens import tokenize

__all__ = [
    "Doc",
    "Params",
    "Index",
    "Event",
    "build_index",
    "related_for_all",
    "related_for_new",
    "normalise_lang",
]

Event = tuple  # (reader_id: int | str, doc_id: int, weight: float)


@dataclass(frozen=True)
class Doc:
    """One article as the engine sees it.

    ``lang`` is 'en' or 'zh-hans' (see :func:`normalise_lang`); ``topic`` is a
    free-text section/tag string (may be empty); ``published_at`` is unix
    seconds; ``popularity`` is any non-negative count (views, sales).
    """

    id: int
    lang: str
    title: str
    topic: str
    text: str
    published_at: float
    popularity: float = 0.0


@dataclass(frozen=True)
class Params:
    """All tunables, with the defaults used for both evaluation corpora."""

    # --- text representation
    title_weight: float = 0.2
    topic_weight: float = 0.25
    text_weight: float = 1.0
    min_df: int = 2
    max_df: float = 0.5
    max_text_chars: int = 20_000
    # --- neighbour graph
    candidates: int = 40
    exact_max_docs: int = 5_000
    block_rows: int = 512
    block_cells: int = 2_000_000  # query rows x candidates scored at once (dense float32)
    cluster_factor: float = 1.0  # k-means groups = factor * sqrt(n)
    cluster_iterations: int = 8
    cluster_probe: int = 8
    workers: int = 2  # forked processes for tokenising and neighbour search on large catalogues
    parallel_min_docs: int = 20_000
    # --- LSA blend: graph scores become (1-a)*tfidf_cos + a*lsa_cos
    lsa_dims: int = 100
    lsa_alpha: float = 0.4
    lsa_sample: int = 8_000
    # --- neighbourhood re-ranking (query expansion on the graph)
    expansion: int = 5
    expansion_beta: float = 1.0
    expansion_rounds: int = 1
    mutual_gamma: float = 0.5  # T <- (T + gamma * T^T) / (1 + gamma): reciprocal boost
    # --- blending
    w_text: float = 1.0
    w_coread: float = 0.5
    w_popularity: float = 0.02
    w_freshness: float = 0.02
    freshness_half_life_days: float = 30.0
    min_coreaders: int = 1
    # --- language and diversity
    cross_lang_threshold: float = 0.6
    max_cross_lang: int = 1
    mmr_lambda: float = 0.7  # relevance first; the dup floor already limits MMR to near-copies
    mmr_dup_floor: float = 0.5  # similarity below this is not penalised by MMR
    mmr_pool: int = 20
    mmr_dup_cutoff: float = 0.8  # near-copy degree (similarity 0.9 with the 0.5 floor) that excludes outright


_LANGS = {"en": "en", "zh": "zh-hans", "zh-hans": "zh-hans", "zh-cn": "zh-hans", "zh_cn": "zh-hans"}


def normalise_lang(lang: str) -> str:
    """Map 'en', 'zh', 'zh-hans', 'zh-cn' (any case) to 'en' / 'zh-hans'.

    Raises ``ValueError`` for anything else.
    """
    key = (lang or "").strip().lower()
    if key not in _LANGS:
        raise ValueError(f"unknown language {lang!r}: expected 'en' or 'zh-hans'")
    return _LANGS[key]


@dataclass
class Index:
    """Fitted state.  Treat as opaque; it pickles (for caching between runs).

    ``ids[i]`` is the doc id of row ``i``; ``row_of`` maps id -> row.
    ``graph`` is the text neighbour graph (CSR, n x n, cosine, no self loops).
    ``last_kth`` holds, after :func:`related_for_all`, the score a newcomer
    must beat to enter each doc's list (``-inf`` where the list is short).
    """

    params: Params
    ids: np.ndarray
    row_of: dict[int, int]
    langs: np.ndarray  # uint8: 0 = en, 1 = zh-hans
    published_at: np.ndarray
    popularity: np.ndarray
    vectorizer: Vectorizer
    X: sp.csr_matrix
    XT: sp.csr_matrix
    graph: sp.csr_matrix
    lsa: np.ndarray | None = None  # (V, d) projection; doc embeddings in ``E``
    E: np.ndarray | None = None
    last_kth: np.ndarray | None = None
    last_k: int | None = None
    last_now: float | None = None
    meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)


_LANG_CODE = {"en": 0, "zh-hans": 1}


# ---------------------------------------------------------------------------
# text representation


def _field_tokens(docs: Sequence[Doc], p: Params):
    titles, topics, texts = [], [], []
    for d in docs:
        titles.append(tokenize(d.title))
        topics.append(tokenize(d.topic))
        texts.append(tokenize(d.text[: p.max_text_chars]))
    return titles, topics, texts


class Vectorizer:
    """Fitted TF-IDF: vocabulary + smoothed idf (as sklearn), sublinear tf, L2.

    ``transform(token_lists)`` returns a CSR float32 matrix, one L2-normalised
    row per token list; unknown terms are ignored.
    """

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray):
        self.vocabulary_ = vocabulary
        self.idf_ = idf.astype(np.float32)

    def _weight(self, C: sp.csr_matrix) -> sp.csr_matrix:
        C = sp.csr_matrix(C, dtype=np.float32)
        C.data = 1.0 + np.log(C.data)
        C = C @ sp.diags(self.idf_)
        return normalize(C, norm="l2", copy=False)

    def transform(self, token_lists) -> sp.csr_matrix:
        voc = self.vocabulary_
        indptr, idx = [0], []
        for toks in token_lists:
            idx.extend(j for j in (voc.get(t) for t in toks) if j is not None)
            indptr.append(len(idx))
        return self._weight(_counts(np.array(idx, np.int32), np.array(indptr), len(self.idf_)))


def _counts(idx: np.ndarray, indptr: np.ndarray, n_terms: int) -> sp.csr_matrix:
    C = sp.csr_matrix(
        (np.ones(len(idx), np.float32), idx, indptr), shape=(len(indptr) - 1, n_terms)
    )
    C.sum_duplicates()
    return C


def _workers(n: int, p: Params) -> int:
    if n < p.parallel_min_docs or "fork" not in mp.get_all_start_methods():
        return 1
    return max(1, min(p.workers, os.cpu_count() or 1))


_SHARED: tuple = ()  # read-only inputs handed to forked workers without pickling


def _call_shared(args):
    fn, item = args
    return fn(item, *_SHARED)


def _parallel(fn, items: list, workers: int, shared: tuple) -> list:
    """``[fn(item, *shared) for item in items]``, on ``workers`` forked processes when > 1."""
    global _SHARED
    if workers <= 1 or len(items) <= 1:
        return [fn(item, *shared) for item in items]
    _SHARED = shared
    try:
        with mp.get_context("fork").Pool(workers) as pool:
            return pool.map(_call_shared, [(fn, item) for item in items], chunksize=1)
    finally:
        _SHARED = ()


def _tokenise_range(bounds: tuple[int, int], docs: Sequence[Doc], max_chars: int):
    """Term ids of docs[a:b] per field, against a vocabulary local to this range."""
    local: dict[str, int] = {}
    get = local.setdefault
    out = {}
    for name in ("title", "topic", "text"):
        lengths, ids = [], []
        for d in docs[bounds[0] : bounds[1]]:
            raw = d.title if name == "title" else d.topic if name == "topic" else d.text[:max_chars]
            toks = [get(t, len(local)) for t in tokenize(raw)]
            lengths.append(len(toks))
            ids.extend(toks)
        out[name] = (np.array(lengths, np.int64), np.array(ids, np.int32))
    return list(local), out


def _fit_transform(docs: Sequence[Doc], p: Params):
    """Tokenise every doc once (term ids only, no token lists kept), fit the
    vocabulary/idf with min_df/max_df pruning, return (Vectorizer, X)."""
    n = len(docs)
    bounds = list(range(0, n, max(1, n // (8 * _workers(n, p)) + 1))) + [n]
    ranges = list(zip(bounds[:-1], bounds[1:], strict=True))
    parts = _parallel(_tokenise_range, ranges, _workers(n, p), (docs, p.max_text_chars))
    voc: dict[str, int] = {}
    fields = {"title": ([np.zeros(1, np.int64)], []), "topic": ([np.zeros(1, np.int64)], []),
              "text": ([np.zeros(1, np.int64)], [])}
    for terms, chunk in parts:  # map each part's local term ids onto one vocabulary
        remap = np.fromiter((voc.setdefault(t, len(voc)) for t in terms), np.int32, count=len(terms))
        for name, (lengths, ids) in chunk.items():
            ptr, out = fields[name]
            ptr.append(ptr[-1][-1] + np.cumsum(lengths))
            out.append(remap[ids] if len(ids) else np.zeros(0, np.int32))
    fields = {name: (np.concatenate(ptr), ids) for name, (ptr, ids) in fields.items()}
    if not voc:
        raise ValueError("no indexable words in the catalogue")
    V = len(voc)
    mats = {}
    for name, (ptr, ids) in fields.items():
        idx = np.concatenate(ids) if ids else np.zeros(0, np.int32)
        mats[name] = _counts(idx, ptr, V)
    whole = mats["title"] + mats["topic"] + mats["text"]
    df = np.bincount(whole.indices, minlength=V)
    min_df, max_df = (p.min_df, p.max_df) if n >= 10 else (1, 1.0)
    keep = (df >= min_df) & (df <= max_df * n)
    if not keep.any():
        keep = df > 0
    new_id = np.cumsum(keep) - 1
    terms = np.empty(V, dtype=object)
    for t, j in voc.items():
        terms[j] = t
    vocabulary = {t: int(new_id[j]) for j, t in enumerate(terms) if keep[j]}
    idf = np.log((1.0 + n) / (1.0 + df[keep])) + 1.0
    vec = Vectorizer(vocabulary, idf)
    cols = np.flatnonzero(keep)
    X = p.text_weight * vec._weight(mats["text"][:, cols])
    if p.title_weight:
        X = X + p.title_weight * vec._weight(mats["title"][:, cols])
    if p.topic_weight and mats["topic"].nnz:
        X = X + p.topic_weight * vec._weight(mats["topic"][:, cols])
    X = normalize(sp.csr_matrix(X, dtype=np.float32), norm="l2", copy=False)
    X.sort_indices()
    return vec, X


def _combine(vec: Vectorizer, titles, topics, texts, p: Params) -> sp.csr_matrix:
    X = p.text_weight * vec.transform(texts)
    if p.title_weight:
        X = X + p.title_weight * vec.transform(titles)
    if p.topic_weight and any(topics):
        X = X + p.topic_weight * vec.transform(topics)
    X = normalize(sp.csr_matrix(X, dtype=np.float32), norm="l2", copy=False)
    X.sort_indices()
    return X


def _topk_csr(R: sp.csr_matrix, k: int, row_offset: int, drop_self: bool = True):
    """Top-k entries of each row of CSR ``R`` -> (rows, cols, vals) arrays."""
    rows, cols, vals = [], [], []
    indptr, indices, data = R.indptr, R.indices, R.data
    for r in range(R.shape[0]):
        a, b = indptr[r], indptr[r + 1]
        if a == b:
            continue
        c = indices[a:b]
        v = data[a:b]
        if drop_self:
            keep = c != r + row_offset
            c, v = c[keep], v[keep]
        pos = v > 0
        c, v = c[pos], v[pos]
        if len(v) > k:
            sel = np.argpartition(-v, k - 1)[:k]
            c, v = c[sel], v[sel]
        rows.append(np.full(len(c), r + row_offset, dtype=np.int32))
        cols.append(c)
        vals.append(v)
    if not rows:
        return np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.float32)
    return np.concatenate(rows), np.concatenate(cols).astype(np.int32), np.concatenate(vals)


def _blend(T: np.ndarray, L: np.ndarray | None, p: Params) -> np.ndarray:
    if L is None:
        return T
    return (1 - p.lsa_alpha) * T + p.lsa_alpha * np.maximum(L, 0)


def _search_block(X, E, q_rows, c_rows, p: Params, M: int):
    """Blended similarity of each query row to every candidate row; its top ``M`` (no self)."""
    T = (X[q_rows] @ X[c_rows].T).toarray()
    L = E[q_rows] @ E[c_rows].T if E is not None else None
    S = _blend(T, L, p)
    S[q_rows[:, None] == c_rows[None, :]] = 0
    m = min(M, S.shape[1])
    if m <= 0:
        return np.zeros((len(q_rows), 0), np.int64), np.zeros((len(q_rows), 0), np.float32)
    if m < S.shape[1]:
        idx = np.argpartition(-S, m - 1, axis=1)[:, :m]
    else:
        idx = np.tile(np.arange(S.shape[1]), (len(q_rows), 1))
    vals = np.take_along_axis(S, idx, axis=1)
    return c_rows[idx], vals.astype(np.float32)


def _search_blocks(blocks, X, E, p: Params, M: int):
    rows, cols, vals = [], [], []
    for q_rows, c_rows in blocks:
        c, v = _search_block(X, E, q_rows, c_rows, p, M)
        keep = v > 0
        rows.append(np.repeat(q_rows, keep.sum(axis=1)))
        cols.append(c[keep])
        vals.append(v[keep])
    return rows, cols, vals


def _clusters(E: np.ndarray, p: Params):
    """Spherical k-means on the LSA vectors (fitted on a sample): labels and centroids."""
    n = E.shape[0]
    C = max(2, int(round(p.cluster_factor * math.sqrt(n))))
    rng = np.random.default_rng(0)
    sample = E[rng.choice(n, min(n, 40 * C), replace=False)]
    cent = sample[rng.choice(len(sample), C, replace=False)].copy()
    for _ in range(p.cluster_iterations):
        lab = np.argmax(sample @ cent.T, axis=1)
        for c in range(C):
            members = sample[lab == c]
            if len(members):
                cent[c] = members.sum(axis=0)
        cent = normalize(cent)
    labels = np.empty(n, np.int64)
    for s in range(0, n, 20_000):
        labels[s : s + 20_000] = np.argmax(E[s : s + 20_000] @ cent.T, axis=1)
    return labels, cent


def _neighbour_graph(X: sp.csr_matrix, E: np.ndarray | None, p: Params) -> sp.csr_matrix:
    """Each doc's ``candidates`` best neighbours by blended TF-IDF/LSA cosine.

    Up to ``exact_max_docs`` every pair is scored (in row chunks).  Above it the
    docs are grouped by k-means on their LSA vectors, and each group searches
    only the members of its ``cluster_probe`` nearest groups: the work per doc
    is a few thousand candidates instead of the whole catalogue.
    """
    n = X.shape[0]
    M = p.candidates
    blocks = []
    if n <= p.exact_max_docs or E is None:
        everyone = np.arange(n)
        blocks = [(np.arange(s, min(n, s + p.block_rows)), everyone) for s in range(0, n, p.block_rows)]
    else:
        labels, cent = _clusters(E, p)
        order = np.argsort(labels, kind="stable")
        bounds = np.searchsorted(labels[order], np.arange(len(cent) + 1))
        members = [order[bounds[c] : bounds[c + 1]] for c in range(len(cent))]
        near = np.argsort(-(cent @ cent.T), axis=1)[:, : p.cluster_probe]
        for c in range(len(cent)):
            if not len(members[c]):
                continue
            cands = np.sort(np.concatenate([members[j] for j in near[c]]))
            step = max(1, p.block_cells // max(len(cands), 1))
            for s in range(0, len(members[c]), step):
                blocks.append((members[c][s : s + step], cands))
    workers = _workers(n, p)
    groups = [blocks[i::workers * 4] for i in range(workers * 4)] if workers > 1 else [blocks]
    parts = _parallel(_search_blocks, groups, workers, (X, E, p, M))
    rows = [r for part in parts for r in part[0]]
    cols = [c for part in parts for c in part[1]]
    vals = [v for part in parts for v in part[2]]
    G = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n), dtype=np.float32
    )
    G.sort_indices()
    return G


def build_index(docs: Iterable[Doc], params: Params | None = None) -> Index:
    """Fit the vectoriser on ``docs`` and compute the text neighbour graph.

    Raises ``ValueError`` on duplicate ids, an unknown language or an empty
    catalogue.  Cost: one pass of tokenisation plus chunked sparse products.
    """
    p = params or Params()
    docs = list(docs)
    if not docs:
        raise ValueError("cannot build an index over an empty catalogue")
    ids = np.array([int(d.id) for d in docs], dtype=np.int64)
    row_of = {int(i): r for r, i in enumerate(ids)}
    if len(row_of) != len(ids):
        raise ValueError("duplicate doc ids in catalogue")
    langs = np.array([_LANG_CODE[normalise_lang(d.lang)] for d in docs], dtype=np.uint8)
    vec, X = _fit_transform(docs, p)
    XT = X.T.tocsr()
    proj, E = _fit_lsa(X, p)
    G = _neighbour_graph(X, E, p)
    return Index(
        params=p,
        ids=ids,
        row_of=row_of,
        langs=langs,
        published_at=np.array([float(d.published_at) for d in docs], dtype=np.float64),
        popularity=np.array([max(0.0, float(d.popularity)) for d in docs], dtype=np.float64),
        vectorizer=vec,
        X=X,
        XT=XT,
        graph=G,
        lsa=proj,
        E=E,
    )


def _fit_lsa(X: sp.csr_matrix, p: Params):
    n, V = X.shape
    d = min(p.lsa_dims, n - 1, V - 1)
    if p.lsa_alpha <= 0 or d < 2 or n < 50:
        return None, None
    from sklearn.decomposition import TruncatedSVD

    rng = np.random.default_rng(0)
    sample = X if n <= p.lsa_sample else X[np.sort(rng.choice(n, p.lsa_sample, replace=False))]
    svd = TruncatedSVD(n_components=d, n_iter=4, random_state=0).fit(sample)
    proj = np.ascontiguousarray(svd.components_.T.astype(np.float32))
    E = normalize(np.asarray(X @ proj, dtype=np.float32))
    return proj, E


# ---------------------------------------------------------------------------
# scoring


def _expansion_matrix(G: sp.csr_matrix, m: int) -> sp.csr_matrix:
    """Row-normalised weights over each doc's ``m`` strongest neighbours."""
    n = G.shape[0]
    r, c, v = _topk_csr(G, m, 0, drop_self=False)
    W = sp.csr_matrix((v, (r, c)), shape=(n, n), dtype=np.float32)
    return normalize(W, norm="l1", copy=False)


def _text_scores(index: Index) -> sp.csr_matrix:
    p = index.params
    G = index.graph
    if p.expansion <= 0 or p.expansion_beta <= 0:
        return G
    W = _expansion_matrix(G, p.expansion)
    T = G
    for _ in range(max(1, p.expansion_rounds)):
        T = (G + p.expansion_beta * (W @ T)) / (1.0 + p.expansion_beta)
        T = sp.csr_matrix(T, dtype=np.float32)
        # keep the graph sparse: each doc's best 2 * candidates (memory stays linear in n)
        r, c, v = _topk_csr(T, p.candidates * 2, 0)
        T = sp.csr_matrix((v, (r, c)), shape=G.shape, dtype=np.float32)
    if p.mutual_gamma > 0:
        T = sp.csr_matrix((T + p.mutual_gamma * T.T) / (1.0 + p.mutual_gamma), dtype=np.float32)
    T.setdiag(0)
    T.eliminate_zeros()
    return T


def _coread_scores(index: Index, events, p: Params) -> sp.csr_matrix | None:
    if not events:
        return None
    rows, readers, weights = [], [], []
    reader_ids: dict = {}
    for reader, doc_id, w in events:
        r = index.row_of.get(int(doc_id))
        if r is None or not w or w <= 0:
            continue
        rows.append(r)
        readers.append(reader_ids.setdefault(reader, len(reader_ids)))
        weights.append(float(w))
    if not rows:
        return None
    n = len(index)
    D = sp.csr_matrix(
        (np.array(weights, np.float32), (np.array(rows), np.array(readers))),
        shape=(n, len(reader_ids)),
    )
    D.sum_duplicates()
    D.data = np.log1p(D.data)  # damp heavy re-readers
    D = normalize(D, norm="l2", copy=False)
    C = (D @ D.T).tocsr()
    C.setdiag(0)
    if p.min_coreaders > 1:
        B = D.copy()
        B.data[:] = 1
        cnt = (B @ B.T).tocsr()
        C = C.multiply(cnt >= p.min_coreaders).tocsr()
    C.eliminate_zeros()
    r, c, v = _topk_csr(C, p.candidates, 0)
    return sp.csr_matrix((v.astype(np.float32), (r, c)), shape=(n, n))


def _priors(index: Index, p: Params, now: float) -> np.ndarray:
    pop = np.log1p(index.popularity)
    top = pop.max() if len(pop) else 0.0
    pop = pop / top if top > 0 else np.zeros_like(pop)
    age_days = np.maximum(0.0, now - index.published_at) / 86400.0
    fresh = np.exp2(-age_days / max(p.freshness_half_life_days, 1e-9))
    return p.w_popularity * pop + p.w_freshness * fresh


def _pair_lookup(G: sp.csr_matrix):
    """Sorted int64 keys (row*n+col) and values for O(log nnz) lookups."""
    n = G.shape[0]
    Gs = G.maximum(G.T).tocsr()
    Gs.sort_indices()
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(Gs.indptr))
    keys = rows * n + Gs.indices.astype(np.int64)
    return keys, Gs.data


def _lookup(keys, vals, a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    q = a.astype(np.int64) * n + b.astype(np.int64)
    pos = np.searchsorted(keys, q)
    pos = np.minimum(pos, len(keys) - 1) if len(keys) else pos
    out = np.zeros(q.shape, dtype=np.float32)
    if len(keys):
        hit = keys[pos] == q
        out[hit] = vals[pos[hit]]
    return out


def _dup(sims: np.ndarray, p: Params) -> np.ndarray:
    """Map text similarity to a near-duplicate degree in [0, 1] for MMR."""
    f = min(max(p.mmr_dup_floor, 0.0), 0.99)
    return np.clip((sims - f) / (1 - f), 0, 1).astype(np.float32)


def _mmr_select(cand: np.ndarray, score: np.ndarray, sims: np.ndarray, k: int, lam: float, cutoff: float = 1.0):
    """Vectorised MMR over a batch.

    cand/score: (B, P) candidate rows (-1 = empty) and relevance, sorted desc;
    sims: (B, P, P) similarity between candidates.  Returns (B, k) positions
    into the pool (-1 = none).  A candidate whose near-duplicate degree to one
    already chosen reaches ``cutoff`` is not taken at all (a copy, not a choice).
    """
    B, P = cand.shape
    chosen = np.full((B, k), -1, dtype=np.int64)
    avail = cand >= 0
    maxsim = np.zeros((B, P), dtype=np.float32)
    ar = np.arange(B)
    for step in range(min(k, P)):
        val = lam * score - (1 - lam) * maxsim
        val = np.where(avail & (maxsim < cutoff), val, -np.inf)
        pick = np.argmax(val, axis=1)
        ok = np.isfinite(val[ar, pick])
        chosen[ok, step] = pick[ok]
        avail[ar[ok], pick[ok]] = False
        maxsim = np.where(ok[:, None], np.maximum(maxsim, sims[ar, pick]), maxsim)
    return chosen


def related_for_all(
    index: Index,
    k: int = 6,
    events: Iterable[Event] | None = None,
    exclude: Iterable[int] = (),
    now: float | None = None,
    params: Params | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[int, list[tuple[int, float]]]:
    """Recompute every doc's related list (full rebuild).

    ``events``: iterable of (reader_id, doc_id, weight) — reads or purchases;
    unknown doc ids are ignored.  ``exclude``: ids that must never be
    recommended (they still get their own list).  ``now``: reference time
    for freshness (default: newest ``published_at`` in the index).
    ``params`` overrides blending/diversity knobs of ``index.params`` (the
    text representation is fixed at build time).  ``progress(done, total)``
    is called after each batch of docs.

    Returns {doc_id: [(other_id, score), ...]} for every doc, best first.
    Also records in ``index`` what a new doc must beat to enter each list.
    """
    p = params or index.params
    n = len(index)
    now = float(index.published_at.max()) if now is None else float(now)
    excluded_rows = np.array(
        sorted(index.row_of[int(i)] for i in exclude if int(i) in index.row_of), dtype=np.int64
    )

    T = _text_scores(index if params is None else replace(index, params=p))
    S = p.w_text * T
    C = _coread_scores(index, list(events) if events is not None else None, p)
    if C is not None and p.w_coread:
        S = S + p.w_coread * C
    S = sp.csr_matrix(S, dtype=np.float32)
    S.sort_indices()
    prior = _priors(index, p, now).astype(np.float32)

    keys, vals = _pair_lookup(index.graph)
    is_excluded = np.zeros(n, dtype=bool)
    is_excluded[excluded_rows] = True
    P = max(p.mmr_pool, k)
    out: dict[int, list[tuple[int, float]]] = {}
    kth = np.full(n, -np.inf)
    batch = 2048
    indptr, indices, data = S.indptr, S.indices, S.data
    for start in range(0, n, batch):
        stop = min(n, start + batch)
        B = stop - start
        cand = np.full((B, P), -1, dtype=np.int64)
        score = np.full((B, P), -np.inf, dtype=np.float32)
        xcand = np.full((B, max(p.max_cross_lang, 1)), -1, dtype=np.int64)
        xscore = np.full((B, max(p.max_cross_lang, 1)), -np.inf, dtype=np.float32)
        for i in range(B):
            r = start + i
            a, b = indptr[r], indptr[r + 1]
            c = indices[a:b]
            v = data[a:b] + prior[c]
            keep = (~is_excluded[c]) & (c != r)
            c, v = c[keep], v[keep]
            same = index.langs[c] == index.langs[r]
            cs, vs = c[same], v[same]
            if len(vs) > P:
                sel = np.argpartition(-vs, P - 1)[:P]
                cs, vs = cs[sel], vs[sel]
            o = np.argsort(-vs, kind="stable")
            cand[i, : len(o)] = cs[o]
            score[i, : len(o)] = vs[o]
            if p.max_cross_lang > 0 and not same.all():
                cx, vx = c[~same], v[~same]
                ok = vx >= p.cross_lang_threshold
                cx, vx = cx[ok], vx[ok]
                o = np.argsort(-vx, kind="stable")[: p.max_cross_lang]
                xcand[i, : len(o)] = cx[o]
                xscore[i, : len(o)] = vx[o]
        # pairwise text similarity between pool members, for MMR
        valid = cand >= 0
        ca = np.where(valid, cand, 0)
        A = np.repeat(ca[:, :, None], P, axis=2)
        Bm = np.repeat(ca[:, None, :], P, axis=1)
        sims = _lookup(keys, vals, A.ravel(), Bm.ravel(), n).reshape(B, P, P)
        sims = _dup(np.where(valid[:, :, None] & valid[:, None, :], sims, 0), p)
        sc = np.where(valid, score, 0).astype(np.float32)
        top = np.max(sc, axis=1, keepdims=True)
        scn = sc / np.where(top > 0, top, 1)  # MMR on relevance scaled to [0, 1]
        chosen = _mmr_select(cand, scn, sims, k, p.mmr_lambda, p.mmr_dup_cutoff)
        for i in range(B):
            r = start + i
            picks = [int(j) for j in chosen[i] if j >= 0]
            lst = [(int(index.ids[cand[i, j]]), float(score[i, j])) for j in picks]
            nx = sum(1 for j in range(xcand.shape[1]) if xcand[i, j] >= 0)
            if nx:
                keep_same = max(0, k - nx) if len(lst) + nx > k else len(lst)
                lst = lst[:keep_same] + [
                    (int(index.ids[xcand[i, j]]), float(xscore[i, j]))
                    for j in range(nx)
                ]
                lst = lst[:k]
            out[int(index.ids[r])] = lst
            if len(lst) >= k:
                kth[r] = min(s for _, s in lst)
        if progress is not None:
            progress(stop, n)
    index.last_kth = kth
    index.last_k = k
    index.last_now = now
    return out


def related_for_new(
    index: Index,
    doc: Doc,
    k: int = 6,
    exclude: Iterable[int] = (),
    now: float | None = None,
) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    """Publish-time update for one new doc, without refitting.

    Transforms ``doc`` with the fitted vectoriser and does one sparse product
    against the index.  Returns ``(neighbours, insertions)``:

    * ``neighbours``: the new doc's own list, scored like :func:`related_for_all`
      (text, query expansion, priors, language rule, MMR); co-reading is
      absent because nobody has read the doc yet.
    * ``insertions``: ``(other_id, score)`` for docs whose list the new doc
      should now enter (its score there beats their current k-th entry, as
      recorded by the last :func:`related_for_all`; if that was never run,
      any same-language doc whose top-``k`` it would make).  Best first.

    The index itself is not modified; rebuild periodically to absorb new docs
    into the vocabulary and graph.
    """
    p = index.params
    lang = _LANG_CODE[normalise_lang(doc.lang)]
    titles, topics, texts = _field_tokens([doc], p)
    q = _combine(index.vectorizer, titles, topics, texts, p)
    tfidf = np.asarray((q @ index.XT).todense()).ravel().astype(np.float32)  # (n,)
    lsa = None
    if index.E is not None:
        eq = normalize(np.asarray(q @ index.lsa, dtype=np.float32))[0]
        lsa = index.E @ eq
    sims = _blend(tfidf, lsa, p).astype(np.float32)  # the graph's measure, against every doc
    own_row = index.row_of.get(int(doc.id))
    if own_row is not None:
        sims[own_row] = 0
    excluded = {index.row_of[int(i)] for i in exclude if int(i) in index.row_of}
    M = p.candidates
    nz = np.flatnonzero(sims > 0)
    if len(nz) > M:
        nz = nz[np.argpartition(-sims[nz], M - 1)[:M]]
    nz = nz[np.argsort(-sims[nz], kind="stable")]
    G = index.graph
    beta = p.expansion_beta if p.expansion > 0 else 0.0
    now_ = index.last_now if now is None and index.last_now is not None else now
    now_ = float(max(index.published_at.max(), doc.published_at)) if now_ is None else float(now_)
    prior = _priors(index, p, now_).astype(np.float32)

    # --- the new doc's own list: T = (s + beta * sum_j w_j S[j]) / (1 + beta)
    score: dict[int, float] = {int(j): float(sims[j]) for j in nz}
    if beta:
        ex = nz[: p.expansion]
        w = sims[ex]
        if w.sum() > 0:
            w = w / w.sum()
            spread = (sp.csr_matrix(w[None, :]) @ G[ex]).tocoo()
            for j, v in zip(spread.col, spread.data, strict=True):
                score[int(j)] = score.get(int(j), 0.0) + beta * float(v)
        score = {j: v / (1 + beta) for j, v in score.items()}
    rows = np.array([j for j in score if j not in excluded and j != own_row], dtype=np.int64)
    vals = np.array([p.w_text * score[j] for j in rows], dtype=np.float32) + prior[rows]
    same = index.langs[rows] == lang
    order = np.argsort(-vals[same], kind="stable")[: max(p.mmr_pool, k)]
    pool, pool_s = rows[same][order], vals[same][order]
    neighbours = _mmr_single(index, q, pool, pool_s, k, p)
    if p.max_cross_lang > 0:
        xr, xv = rows[~same], vals[~same]
        ok = xv >= p.cross_lang_threshold
        xo = np.argsort(-xv[ok], kind="stable")[: p.max_cross_lang]
        xs = [(int(index.ids[j]), float(v)) for j, v in zip(xr[ok][xo], xv[ok][xo], strict=True)]
        if xs:
            neighbours = neighbours[: max(0, k - len(xs))] + xs

    # --- where the new doc enters others' lists: score(b, new)
    cand_b = nz
    if len(cand_b):
        s_b = sims[cand_b].astype(np.float64)
        if beta:
            spread = np.zeros(len(cand_b))
            for t, b in enumerate(cand_b):
                a_, b_ = G.indptr[b], G.indptr[b + 1]
                nb, nv = G.indices[a_:b_], G.data[a_:b_]
                if len(nv) > p.expansion:
                    sel = np.argpartition(-nv, p.expansion - 1)[: p.expansion]
                    nb, nv = nb[sel], nv[sel]
                if nv.sum() > 0:
                    spread[t] = float(np.dot(nv / nv.sum(), sims[nb]))
            s_b = (s_b + beta * spread) / (1 + beta)
        own_prior = float(_priors_one(index, p, doc, now_))
        final = p.w_text * s_b + own_prior
        kth = index.last_kth
        ins = []
        for b, sc in zip(cand_b, final, strict=True):
            b = int(b)
            if b in excluded or index.langs[b] != lang:
                continue
            bar = kth[b] if kth is not None else _kth_text(index, b, k)
            if sc > bar:
                ins.append((int(index.ids[b]), float(sc)))
        ins.sort(key=lambda t: -t[1])
    else:
        ins = []
    return neighbours, ins


def _priors_one(index: Index, p: Params, doc: Doc, now: float) -> float:
    pop_all = np.log1p(index.popularity)
    top = max(pop_all.max() if len(pop_all) else 0.0, math.log1p(max(doc.popularity, 0.0)))
    pop = math.log1p(max(doc.popularity, 0.0)) / top if top > 0 else 0.0
    age = max(0.0, now - doc.published_at) / 86400.0
    fresh = 2.0 ** (-age / max(p.freshness_half_life_days, 1e-9))
    return p.w_popularity * pop + p.w_freshness * fresh


def _kth_text(index: Index, b: int, k: int) -> float:
    a, e = index.graph.indptr[b], index.graph.indptr[b + 1]
    v = index.graph.data[a:e]
    if len(v) < k:
        return -math.inf
    return float(index.params.w_text * np.partition(v, len(v) - k)[len(v) - k])


def _mmr_single(index: Index, q, pool: np.ndarray, pool_s: np.ndarray, k: int, p: Params):
    if len(pool) == 0:
        return []
    Xp = index.X[pool]
    sims = _dup((Xp @ Xp.T).toarray().astype(np.float32), p)
    top = pool_s.max()
    scn = pool_s / top if top > 0 else pool_s
    chosen = _mmr_select(pool[None, :], scn[None, :], sims[None, :, :], k, p.mmr_lambda, p.mmr_dup_cutoff)[0]
    return [(int(index.ids[pool[j]]), float(pool_s[j])) for j in chosen if j >= 0]

"""Text representation: each doc becomes one L2-normalised sparse vector of weighted terms.

Terms are the words of :func:`~byline.recommend.tokens.tokenize` (English words, jieba words for
Chinese) and, where Chinese docs are short, Chinese character bigrams as well. A doc's term counts
are its body's plus its title's and topic's (``title_weight``, ``topic_weight``). Counts are damped,
``1 + ln(tf)`` (sublinear, the default) or BM25-style ``tf * (k1 + 1) / (tf + k1 * (1 - b + b * len /
avg_len))``, then multiplied by a smoothed idf and L2-normalised; BM25's saturation was measured
and did not generalise (app descriptions repeat the words that say what they are). The term cosine,
blended with an LSA cosine (and sentence embeddings when a back end gives them), is the similarity
everything else is built on.

The fitted :class:`TextModel` (vocabulary, idf, average length, bigram choice) is kept in the index:
publish-time updates transform a new doc with it, so old and new vectors are comparable.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Sequence
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from ..tokens import cjk_bigrams, cjk_term, latin_term, raw_tokens, tokenize
from .docs import Doc, Params

FIELDS = ("title", "topic", "text")


def use_zh_bigrams(docs: Sequence[Doc], p: Params) -> bool:
    """The one adaptive choice, read from the catalogue's own text (never from labels or names).

    Character bigrams help where Chinese docs are short (abstracts, descriptions, headlines: a
    pair of docs shares few whole words) and add noise where they are long (full news articles).
    """
    if p.zh_bigrams in ("on", "off"):
        return p.zh_bigrams == "on"
    lengths = [len(d.title) + min(len(d.text), p.max_text_chars) for d in docs if d.lang != "en"]
    return bool(lengths) and float(np.median(lengths)) < p.zh_bigram_max_chars


_TERMS_MEMO: dict | None = None  # set by remembering_terms() while an evaluation re-fits the same texts


def doc_terms(text: str, bigrams: bool) -> list[str]:
    if _TERMS_MEMO is not None:
        key = (text, bigrams)
        if key not in _TERMS_MEMO:
            _TERMS_MEMO[key] = tuple(_doc_terms(text, bigrams))
        return list(_TERMS_MEMO[key])
    return _doc_terms(text, bigrams)


def _doc_terms(text: str, bigrams: bool) -> list[str]:
    terms = tokenize(text)
    if bigrams:
        terms.extend(cjk_bigrams(text))
    return terms


@contextmanager
def remembering_terms():
    """Tokenise each distinct text once inside the block (evaluation fits many models on one corpus)."""
    global _TERMS_MEMO
    outer = _TERMS_MEMO
    _TERMS_MEMO = {} if outer is None else outer
    try:
        yield
    finally:
        _TERMS_MEMO = outer


def _field_text(d: Doc, name: str, max_chars: int) -> str:
    return d.title if name == "title" else d.topic if name == "topic" else d.text[:max_chars]


# --- forked workers for large catalogues ------------------------------------------------

_SHARED: tuple = ()  # read-only inputs handed to forked workers without pickling


def worker_count(n: int, p: Params) -> int:
    if n < p.parallel_min_docs or "fork" not in mp.get_all_start_methods():
        return 1
    return max(1, min(p.workers, os.cpu_count() or 1))


def _call_shared(args):
    fn, item = args
    return fn(item, *_SHARED)


def in_parallel(fn, items: list, workers: int, shared: tuple) -> list:
    """``[fn(item, *shared) for item in items]``, on ``workers`` forked processes when > 1."""
    return list(each_in_parallel(fn, items, workers, shared))


def each_in_parallel(fn, items: list, workers: int, shared: tuple):
    """``fn(item, *shared)`` for each item, yielded in order as they are done, on ``workers`` forked
    processes when > 1: one pool for all the items, so no worker waits for the other's item to finish
    before it takes the next one."""
    global _SHARED
    if workers <= 1 or len(items) <= 1:
        for item in items:
            yield fn(item, *shared)
        return
    _SHARED = shared
    try:
        with mp.get_context("fork").Pool(workers) as pool:
            yield from pool.imap(_call_shared, [(fn, item) for item in items], chunksize=1)
    finally:
        _SHARED = ()


class _TermIds(dict):
    """A token as the tokenizer meets it -> the local id of its term (-1: the tokenizer drops it), read
    from C through ``map``; each distinct token is worked out once, on a miss. The ids are handed out
    in the order terms first appear, as a ``setdefault`` over the term list of each doc would."""

    def __init__(self, to_term, ids: dict[str, int]):
        super().__init__()
        self.to_term, self.ids = to_term, ids

    def __missing__(self, token: str) -> int:
        term = self.to_term(token)
        value = self[token] = -1 if term is None else self.ids.setdefault(term, len(self.ids))
        return value


def _tokenise_range(bounds: tuple[int, int], docs: Sequence[Doc], max_chars: int, bigrams: bool):
    """Term ids of docs[a:b] per field, against a vocabulary local to this range: the ids of each doc's
    :func:`doc_terms` (an evaluation's memo of terms, when on, is read instead)."""
    local: dict[str, int] = {}
    if _TERMS_MEMO is not None:
        get = local.setdefault
        out = {}
        for name in FIELDS:
            lengths, ids = [], []
            for d in docs[bounds[0] : bounds[1]]:
                toks = [get(t, len(local)) for t in doc_terms(_field_text(d, name, max_chars), bigrams)]
                lengths.append(len(toks))
                ids.extend(toks)
            out[name] = (np.array(lengths, np.int64), np.array(ids, np.int32))
        return list(local), out
    # every token goes through a dict lookup from C; no Python step per token
    latin = _TermIds(latin_term, local).__getitem__
    cjk = _TermIds(cjk_term, local).__getitem__
    pair = _TermIds(lambda bigram: bigram, local).__getitem__
    out = {}
    for name in FIELDS:
        raw_lengths, ids = [], []
        for d in docs[bounds[0] : bounds[1]]:
            text = _field_text(d, name, max_chars)
            words, pieces = raw_tokens(text)
            before = len(ids)
            ids += map(latin, words)
            ids += map(cjk, pieces)
            if bigrams:
                ids += map(pair, cjk_bigrams(text))
            raw_lengths.append(len(ids) - before)
        every = np.array(ids, np.int32)
        keep = every >= 0
        doc = np.repeat(np.arange(len(raw_lengths)), raw_lengths)
        out[name] = (np.bincount(doc[keep], minlength=len(raw_lengths)).astype(np.int64), every[keep])
    return list(local), out


def _counts(idx: np.ndarray, indptr: np.ndarray, n_terms: int) -> sp.csr_matrix:
    C = sp.csr_matrix((np.ones(len(idx), np.float32), idx, indptr), shape=(len(indptr) - 1, n_terms))
    C.sum_duplicates()
    return C


class TextModel:
    """Fitted vocabulary, weights and LSA projection.

    :meth:`vectors` turns docs into comparable term rows, :meth:`latent` those rows into unit LSA
    vectors (None when the catalogue is too small for LSA).
    """

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray, avg_len: float, bigrams: bool, p: Params):
        self.vocabulary = vocabulary
        self.idf = idf.astype(np.float32)
        self.avg_len = float(avg_len) or 1.0
        self.bigrams = bigrams
        self.params = p
        self.projection: np.ndarray | None = None  # (V, d) SVD components

    def fit_latent(self, X: sp.csr_matrix) -> None:
        """Fit the SVD on (a sample of) the weighted rows; too small a catalogue gets none."""
        p = self.params
        n, V = X.shape
        d = min(p.lsa_dims, n - 1, V - 1)
        if p.lsa_alpha <= 0 or d < 2 or n < 50:
            self.projection = None
            return
        from sklearn.decomposition import TruncatedSVD

        rng = np.random.default_rng(0)
        if n <= p.lsa_sample:
            sample, cols = X, np.arange(V)
        else:
            # a large catalogue: a bounded sample, and only the terms it holds twice or more (a term it
            # lacks gets no weight in any component anyway; one seen once is noise): the SVD's cost
            # grows with the columns, and a big catalogue's vocabulary is mostly rare words
            sample = X[np.sort(rng.choice(n, p.lsa_sample, replace=False))]
            cols = np.flatnonzero(np.bincount(sample.indices, minlength=V) >= 2)
            sample = sample[:, cols]
            d = min(d, len(cols) - 1)
            if d < 2:
                self.projection = None
                return
        svd = TruncatedSVD(n_components=d, n_iter=4, random_state=0).fit(sample)
        projection = np.zeros((V, d), np.float32)
        projection[cols] = svd.components_.T
        self.projection = projection

    def latent(self, X: sp.csr_matrix) -> np.ndarray | None:
        if self.projection is None:
            return None
        return normalize(np.asarray(X @ self.projection, dtype=np.float32)).astype(np.float32)

    def weigh(self, counts: dict[str, sp.csr_matrix]) -> sp.csr_matrix:
        """Field counts (vocabulary columns) -> L2-normalised weighted rows (CSR float32, sorted)."""
        p = self.params
        C = counts["text"] + p.title_weight * counts["title"] + p.topic_weight * counts["topic"]
        C = sp.csr_matrix(C, dtype=np.float32)
        if p.tf == "bm25":
            length = np.asarray(C.sum(axis=1)).ravel()
            norm = p.bm25_k1 * (1 - p.bm25_b + p.bm25_b * length / self.avg_len)
            per_entry = np.repeat(norm, np.diff(C.indptr)).astype(np.float32)
            C.data = C.data * (p.bm25_k1 + 1) / (C.data + per_entry)
        else:
            C.data = 1.0 + np.log(np.maximum(C.data, 1.0))
        X = normalize(C @ sp.diags(self.idf), norm="l2", copy=False).tocsr().astype(np.float32)
        X.sort_indices()
        return X

    def vectors(self, docs: Sequence[Doc]) -> sp.csr_matrix:
        """Rows for ``docs`` (unknown terms ignored); the same weights the fitted docs got."""
        voc, V, p = self.vocabulary, len(self.idf), self.params
        counts = {}
        for name in FIELDS:
            indptr, idx = [0], []
            for d in docs:
                terms = doc_terms(_field_text(d, name, p.max_text_chars), self.bigrams)
                idx.extend(j for j in (voc.get(t) for t in terms) if j is not None)
                indptr.append(len(idx))
            counts[name] = _counts(np.array(idx, np.int32), np.array(indptr), V)
        return self.weigh(counts)


def fit_text_model(docs: Sequence[Doc], p: Params) -> tuple[TextModel, sp.csr_matrix]:
    """Tokenise every doc once (term ids only, no token lists kept), prune rare and very common
    terms, fit the LSA projection, and return the fitted model with the docs' term rows."""
    n = len(docs)
    bigrams = use_zh_bigrams(docs, p)
    workers = worker_count(n, p)
    bounds = list(range(0, n, max(1, n // (8 * workers) + 1))) + [n]
    ranges = list(zip(bounds[:-1], bounds[1:], strict=True))
    parts = in_parallel(_tokenise_range, ranges, workers, (docs, p.max_text_chars, bigrams))
    voc: dict[str, int] = {}
    fields = {name: ([np.zeros(1, np.int64)], []) for name in FIELDS}
    for terms, chunk in parts:  # map each part's local term ids onto one vocabulary
        remap = np.fromiter((voc.setdefault(t, len(voc)) for t in terms), np.int32, count=len(terms))
        for name, (lengths, ids) in chunk.items():
            ptr, out = fields[name]
            ptr.append(ptr[-1][-1] + np.cumsum(lengths))
            out.append(remap[ids] if len(ids) else np.zeros(0, np.int32))
    if not voc:
        raise ValueError("no indexable words in the catalogue")
    V = len(voc)
    counts = {}
    for name, (ptr, ids) in fields.items():
        idx = np.concatenate(ids) if ids else np.zeros(0, np.int32)
        counts[name] = _counts(idx, np.concatenate(ptr), V)
    whole = counts["title"] + counts["topic"] + counts["text"]
    df = np.bincount(whole.indices, minlength=V)
    min_df, max_df = (p.min_df, p.max_df) if n >= 10 else (1, 1.0)
    keep = (df >= min_df) & (df <= max_df * n)
    if not keep.any():
        keep = df > 0
    cols = np.flatnonzero(keep)
    terms = np.empty(V, dtype=object)
    for t, j in voc.items():
        terms[j] = t
    vocabulary = {terms[j]: i for i, j in enumerate(cols)}
    idf = np.log((1.0 + n) / (1.0 + df[cols])) + 1.0
    kept = {name: C[:, cols] for name, C in counts.items()}
    weighted_len = kept["text"] + p.title_weight * kept["title"] + p.topic_weight * kept["topic"]
    avg_len = float(weighted_len.sum()) / max(n, 1)
    model = TextModel(vocabulary, idf, avg_len, bigrams, p)
    X = model.weigh(kept)
    model.fit_latent(X)
    return model, X


def dense_rows(model: TextModel, X: sp.csr_matrix, embedded: np.ndarray | None) -> tuple[np.ndarray | None, float]:
    """The dense part of each doc's representation and its total weight in the similarity.

    LSA vectors scaled by sqrt(lsa_alpha), then (when an embedding back end gave them) sentence
    embeddings scaled by sqrt(embedding_weight), side by side: the dot product of two such rows is
    ``lsa_alpha * LSA cosine + embedding_weight * embedding cosine``. A doc the back end could not
    embed (a language its model does not read) has zeros there.
    """
    p = model.params
    parts, weight = [], 0.0
    latent = model.latent(X)
    if latent is not None:
        parts.append(np.sqrt(p.lsa_alpha) * latent)
        weight += p.lsa_alpha
    if embedded is not None and p.embedding_weight > 0:
        parts.append(np.sqrt(p.embedding_weight) * normalize(np.asarray(embedded, dtype=np.float32)))
        weight += p.embedding_weight
    if not parts:
        return None, 0.0
    return np.ascontiguousarray(np.hstack(parts), dtype=np.float32), weight


def similarity(Xa: sp.csr_matrix, Xb: sp.csr_matrix, Ea: np.ndarray | None, Eb: np.ndarray | None,
               dense_weight: float) -> np.ndarray:
    """Similarity matrix between two sets of docs: ``(1 - dense_weight) * term cosine + Ea . Eb``."""
    S = (Xa @ Xb.T).toarray().astype(np.float32, copy=False)
    if Ea is None or not dense_weight:
        return S
    # in place (float32, the scalar rounded to float32 as in ``(1 - w) * S``): the same values, two passes
    # over the block fewer
    S *= 1 - dense_weight
    S += Ea @ Eb.T
    return S

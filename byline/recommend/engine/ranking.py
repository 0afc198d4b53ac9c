"""Ranking: one function turns docs' candidates into their related lists, for the full rebuild and
for publish-time updates alike (:func:`rank_rows`), so the two cannot drift apart.

For a doc q with candidates j (its graph neighbours plus docs read with it) and text similarity
s(q, j) (term cosine blended with LSA cosine, see ``text.similarity``):

1. Pseudo-relevance feedback. The doc's ``feedback_docs`` nearest neighbours F vote with their own
   similarities: ``T(j) = (s(q, j) + beta * sum_{a in F} w_a * s(a, j)) / (1 + beta)``, with
   ``w_a`` proportional to s(q, a) and s(a, a) counted as 0. A candidate that is also close to my
   closest neighbours rises; a one-off lexical match sinks. Every s is recomputed from the stored
   vectors, so a doc's scores depend only on its own candidates and their vectors.
2. Behaviour and priors: ``w_text * T + w_coread * C + w_popularity * pop + w_freshness * fresh``,
   where C is the co-reading cosine from the last rebuild's reading events (docs read together by
   the same readers) and the two priors lie in [0, 1].
3. Rules: never the doc itself or an excluded id; docs in the same language first; a doc in the
   other language only when its score reaches ``cross_lang_threshold`` and then at most
   ``max_cross_lang`` of them, in the last places; a candidate whose similarity with one already listed
   reaches ``near_copy`` is a copy of it and is skipped (read from the neighbour graph, which holds each
   doc's nearest docs with their exact similarities). Ties go to the lower row (the earlier doc).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .docs import Params


@dataclass
class RankingInputs:
    """What every row's ranking reads; built once per rebuild or publish-time update."""

    X: sp.csr_matrix  # term rows (L2-normalised)
    E: np.ndarray | None  # dense rows (LSA and embeddings, pre-scaled), or None
    dense_weight: float  # similarity = (1 - dense_weight) * term cosine + E . E
    langs: np.ndarray  # language code per row
    prior: np.ndarray  # w_popularity * pop + w_freshness * fresh, per row
    excluded: np.ndarray  # bool per row: never recommend
    coread: sp.csr_matrix | None  # co-reading cosine between rows, or None
    params: Params
    graph_rows: np.ndarray  # the neighbour graph (neighbours.NeighbourGraph), for near copies
    graph_sims: np.ndarray


# cells of one group's lookup table: 1 MB of float32, about what a core's cache holds, so the table's
# random reads hit the cache (a 32 MB table made them ~4x slower)
_TABLE_CELLS = 1 << 18


def _entries(X: sp.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stored entries of ``X``'s rows named in ``rows`` (-1 = an empty row), row after row: how many
    each row has, and their terms and values (copied in C by scipy's row indexing)."""
    if len(rows) and rows.min() < 0:  # -1 reads an empty row put after the last
        n, V = X.shape
        X = sp.csr_matrix((X.data, X.indices, np.append(X.indptr, X.indptr[-1])), shape=(n + 1, V), copy=False)
        rows = np.where(rows >= 0, rows, n)
    picked = X[rows]
    return np.diff(picked.indptr), picked.indices, picked.data


def _gathered(X: sp.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stored entries of ``X``'s rows named in ``rows`` (-1 = an empty row): for each entry, the
    position in ``rows`` it belongs to, its term and its value."""
    lengths, terms, values = _entries(X, rows)
    return np.repeat(np.arange(len(rows)), lengths), terms, values


class Candidates:
    """Each line's candidate rows (B x W, -1 = none) with their stored entries gathered once: both the
    doc's own similarities and its neighbours' votes read the same candidates, so the gathering is
    done once per batch, not once per pass.

    Lines go in groups of ``group`` (one lookup table each, see :func:`_term_dots`): ``cell`` is each
    entry's place in its group's table, (line - first line of the group) * V + term, and ``starts``
    where each group's entries begin; ``lengths`` is how many entries each candidate has."""

    def __init__(self, inputs: RankingInputs, right: np.ndarray):
        self.right = right
        B, W = right.shape
        V = inputs.X.shape[1]
        self.group = max(1, _TABLE_CELLS // max(V, 1))
        self.lengths, term, self.value = _entries(inputs.X, right.ravel())
        self.bounds = np.append(np.arange(0, B, self.group), B)
        self.first = np.concatenate([[0], np.cumsum(self.lengths)])  # each candidate's first entry
        self.starts = self.first[self.bounds * W]
        # the line's place in its group, per candidate, repeated for its entries: per entry only the term
        # is added
        line_cell = (np.arange(B * W) // max(W, 1) % self.group * V).astype(np.int32 if self.group * V < 2**31
                                                                          else np.int64)
        self.cell = np.repeat(line_cell, self.lengths) + term
        self.dense = None
        if inputs.E is not None and inputs.dense_weight:
            self.dense = inputs.E[np.where(right >= 0, right, 0)]


_SCRATCH: list[np.ndarray] = []  # one zeroed table kept between calls (see _term_dots)


def _term_dots(XL: sp.csr_matrix, left: np.ndarray, cands: Candidates) -> np.ndarray:
    """For each line b, the dot products of row ``left[b]`` of ``XL`` with the line's candidate rows
    (-1 = an empty row): an array B x W.

    For each small group of lines, the left rows are spread into a lookup table over the vocabulary
    and the candidates' entries (gathered once, :class:`Candidates`) are looked up in it; then each
    candidate's products are summed (in float64, one ``reduceat`` for the whole batch). The work
    follows the entries read, and a line's values depend only on its own rows, whatever else is in the
    batch. The table is kept between calls, its written cells put back to zero after each group (a
    fresh one each call had its pages mapped and zeroed by the kernel every time); a call that fails
    midway does not give it back."""
    B, W = cands.right.shape
    if not B or not W:
        return np.zeros((B, W), np.float32)
    V = XL.shape[1]
    q_line, q_term, q_value = _gathered(XL, left)
    q_cells = q_line % cands.group * V + q_term  # groups start at multiples of cands.group
    cells = min(B, cands.group) * V
    table = _SCRATCH.pop() if _SCRATCH else np.zeros(0, np.float32)
    if len(table) < cells:
        table = np.zeros(cells, np.float32)
    products = np.empty(len(cands.cell), np.float32)
    q_starts = np.searchsorted(q_line, cands.bounds)
    for g in range(len(cands.bounds) - 1):
        qa, qb, ra, rb = q_starts[g], q_starts[g + 1], cands.starts[g], cands.starts[g + 1]
        table[q_cells[qa:qb]] = q_value[qa:qb]
        np.multiply(table[cands.cell[ra:rb]], cands.value[ra:rb], out=products[ra:rb])
        table[q_cells[qa:qb]] = 0
    _SCRATCH.append(table)
    out = np.zeros(B * W, np.float64)
    filled = cands.lengths > 0
    if filled.any():  # each candidate's products, summed; an empty candidate (or none) stays 0
        out[filled] = np.add.reduceat(products.astype(np.float64), cands.first[:-1][filled])
    return out.reshape(B, W).astype(np.float32)


def _line_similarities(inputs: RankingInputs, left: np.ndarray, cands: Candidates,
                       left_rows: tuple[sp.csr_matrix, np.ndarray] | None = None) -> np.ndarray:
    """For each line b, the similarities (as ``text.similarity`` computes them) between row
    ``left[b]`` and the line's candidates (-1 = an empty row, similarity 0): an array B x W.
    ``left_rows`` (term rows, dense rows) replaces the index's rows on the left, addressed by ``left``."""
    XL, EL = left_rows if left_rows is not None else (inputs.X, inputs.E)
    out = _term_dots(XL, left, cands)
    if cands.dense is not None:
        right = cands.right
        dense = np.einsum("bd,bwd->bw", EL[np.where(left >= 0, left, 0)], cands.dense)
        out = (1 - inputs.dense_weight) * out + np.where((right >= 0) & (left >= 0)[:, None], dense, 0)
    return out.astype(np.float32)


def _copies(graph_rows: np.ndarray, graph_sims: np.ndarray, pool: np.ndarray, near_copy: float) -> np.ndarray:
    """B x P x P: whether candidates a and t of a line are near copies of each other, read from the
    neighbour graph (exact similarities of each doc's nearest docs): a doc this close to another is
    among its nearest, unless it has more near copies than the graph is wide."""
    B, P = pool.shape
    out = np.zeros((B, P, P), bool)
    safe = np.where(pool >= 0, pool, 0)
    close = np.where(graph_sims[safe] >= near_copy, graph_rows[safe], -1)  # B x P x width
    some = np.flatnonzero((close >= 0).any(axis=(1, 2)))  # most lines hold no near copies at all
    if len(some):
        close, pool = close[some], pool[some]
        # a_lists_t[b, a, t]: t is among a's close neighbours
        a_lists_t = (close[:, :, None, :] == pool[:, None, :, None]).any(axis=3) & (pool >= 0)[:, None, :]
        out[some] = (a_lists_t | a_lists_t.transpose(0, 2, 1)) & (pool >= 0)[:, :, None]
    return out


def _coread_values(coread: sp.csr_matrix, own: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """coread[own[i], cand[i, j]] (0 for a row or candidate that joined after the rebuild: nobody read it yet)."""
    n = coread.shape[0]
    out = np.zeros(cand.shape, np.float32)
    known = (own[:, None] < n) & (cand >= 0) & (cand < n)
    if known.any():
        rows = np.broadcast_to(own[:, None], cand.shape)[known]
        out[known] = np.asarray(coread[rows, cand[known]]).ravel()
    return out


def _coread_rows(coread: sp.csr_matrix | None, own: np.ndarray, width: int) -> np.ndarray:
    """Each row's ``width`` most co-read docs (ties: lower row first), -1 padded."""
    if coread is None or not width:
        return np.full((len(own), 0), -1, np.int64)
    out = np.full((len(own), width), -1, np.int64)
    known = np.flatnonzero(own < coread.shape[0])
    lengths, cols, vals = _entries(coread, own[known])
    line = np.repeat(np.arange(len(known)), lengths)
    order = np.lexsort((cols, -vals, line))  # by line, then most co-read, then lower row
    rank = np.arange(len(order)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    kept = rank < width
    out[known[line[order][kept]], rank[kept]] = cols[order][kept]
    return out


def rank_rows(inputs: RankingInputs, own: np.ndarray, cand: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
    """The ``k`` best (row, score) for each row in ``own``, best first.

    ``cand`` (len(own) x M, -1 padded) holds each row's graph neighbours; co-read docs from the
    last rebuild are added to them. Every similarity is recomputed here from the stored vectors.
    """
    p = inputs.params
    own = np.asarray(own, dtype=np.int64)
    if not len(own):
        return []
    extra = _coread_rows(inputs.coread, own, p.coread_candidates)
    cand = np.concatenate([np.asarray(cand, dtype=np.int64)[:, : p.rank_candidates], extra], axis=1)
    # a co-read doc already among the text neighbours appears once
    dup = np.zeros(cand.shape, bool)
    for j in range(cand.shape[1] - extra.shape[1], cand.shape[1]):
        dup[:, j] = (cand[:, j] >= 0) & ((cand[:, :j] == cand[:, j : j + 1]).any(axis=1))
    cand = np.where(dup | (cand == own[:, None]), -1, cand)
    present = cand >= 0
    B, M = cand.shape
    cands = Candidates(inputs, cand)
    s = _line_similarities(inputs, own, cands)
    s = np.where(present, s, -np.inf)
    text = np.where(present, s, 0)
    m = min(p.feedback_docs, M)
    if p.feedback_weight > 0 and m > 0:
        feedback = _best(s, cand, m)  # positions of each row's m nearest
        f_rows = np.take_along_axis(cand, feedback, axis=1)
        w = np.maximum(np.take_along_axis(s, feedback, axis=1), 0)
        w = np.where(np.isfinite(w) & (f_rows >= 0), w, 0)
        total = w.sum(axis=1, keepdims=True)
        w = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
        # sum_a w_a s(a, j) is the similarity of j to the weighted centroid of F (similarity is
        # linear in each argument); then take back each a's vote for itself, s(a, a) counting 0
        weights = sp.csr_matrix((w.ravel(), np.where(f_rows >= 0, f_rows, 0).ravel(), np.arange(0, B * m + 1, m)),
                                shape=(B, inputs.X.shape[0]))
        centroid_x = (weights @ inputs.X).tocsr()  # unsorted terms are fine: each is looked up on its own
        centroid_e = weights @ inputs.E if inputs.E is not None else None
        votes = _line_similarities(inputs, np.arange(B), cands, (centroid_x, centroid_e))
        own_vote = np.zeros_like(votes)
        np.put_along_axis(own_vote, feedback, w * _self_similarity(inputs, f_rows), axis=1)
        votes = votes - own_vote
        text = (text + p.feedback_weight * votes) / (1 + p.feedback_weight)
    safe = np.where(present, cand, 0)
    score = p.w_text * text + inputs.prior[safe]
    if inputs.coread is not None and p.w_coread:
        score = score + p.w_coread * _coread_values(inputs.coread, own, safe)
    score = np.where(present & ~inputs.excluded[safe], score, -np.inf).astype(np.float64)
    order = _best(score, cand, M)
    same = inputs.langs[safe] == inputs.langs[own][:, None]
    # near-copies: similarities among each row's best same-language candidates
    eligible = np.take_along_axis(same & np.isfinite(score), order, axis=1)
    first = np.argsort(~eligible, axis=1, kind="stable")  # eligible ones first, still best first
    ranked_same = np.where(np.take_along_axis(eligible, first, axis=1), np.take_along_axis(order, first, axis=1), M)
    ranked_same = ranked_same[:, : 3 * k]  # candidate positions, best first (M = none)
    pool = np.where(ranked_same < M, np.take_along_axis(cand, np.minimum(ranked_same, M - 1), axis=1), -1)
    copies = _copies(inputs.graph_rows, inputs.graph_sims, pool, p.near_copy)
    # greedy, best first, column by column for all lines at once: a candidate is taken unless the list
    # is full or it is a near copy of one already taken
    P = pool.shape[1]
    taken = np.zeros((B, P), bool)
    count = np.zeros(B, np.int64)
    for a in range(P):
        ok = (pool[:, a] >= 0) & (count < k) & ~(copies[:, a, :] & taken).any(axis=1)
        taken[:, a] = ok
        count += ok
    pool_scores = np.take_along_axis(score, np.minimum(ranked_same, M - 1), axis=1).tolist()
    pool_rows, taken_rows = pool.tolist(), taken.tolist()
    cross = np.take_along_axis(np.isfinite(score) & ~same & (score >= p.cross_lang_threshold), order, axis=1)
    any_cross = cross.any(axis=1) if p.max_cross_lang > 0 else np.zeros(B, bool)
    out = []
    for i in range(B):
        items = [(pool_rows[i][a], pool_scores[i][a]) for a in range(P) if taken_rows[i][a]]
        if any_cross[i]:
            js = order[i][cross[i]][: p.max_cross_lang]
            other = [(int(cand[i, j]), float(score[i, j])) for j in js]
            items = items[: max(0, k - len(other))] + other
        out.append(items[:k])
    return out


def _self_similarity(inputs: RankingInputs, rows: np.ndarray) -> np.ndarray:
    """s(a, a) for each row a: (1 - dense_weight) * |x_a|^2 + |e_a|^2 (about 1)."""
    safe = np.where(rows >= 0, rows, 0)
    picked = inputs.X[safe.ravel()]
    out = np.asarray(picked.multiply(picked).sum(axis=1)).reshape(rows.shape)
    if inputs.E is not None and inputs.dense_weight:
        out = (1 - inputs.dense_weight) * out + np.einsum("bmd,bmd->bm", inputs.E[safe], inputs.E[safe])
    return np.where(rows >= 0, out, 0).astype(np.float32)


def _best(score: np.ndarray, cand: np.ndarray, m: int) -> np.ndarray:
    """Positions of each line's ``m`` highest scores, best first; ties to the lower row."""
    by_row = np.argsort(np.where(cand >= 0, cand, np.iinfo(np.int64).max), axis=1, kind="stable")
    key = np.take_along_axis(np.where(np.isfinite(score), -score, np.inf), by_row, axis=1)
    return np.take_along_axis(by_row, np.argsort(key, axis=1, kind="stable"), axis=1)[:, :m]


def priors(popularity: np.ndarray, published_at: np.ndarray, pop_top: float, now: float, p: Params) -> np.ndarray:
    """Log-scaled popularity (divided by the catalogue's top, capped at 1) and exponential freshness."""
    pop = np.log1p(np.maximum(popularity, 0.0)) / pop_top if pop_top > 0 else np.zeros(len(popularity))
    age_days = np.maximum(0.0, now - published_at) / 86400.0
    fresh = np.exp2(-age_days / max(p.freshness_half_life_days, 1e-9))
    return (p.w_popularity * np.minimum(pop, 1.0) + p.w_freshness * fresh).astype(np.float32)


def coread_matrix(row_of: dict[int, int], n: int, events, p: Params) -> sp.csr_matrix | None:
    """Cosine between docs' reader sets (log-damped weights), each doc's best ``candidates`` kept."""
    rows, readers, weights = [], [], []
    reader_ids: dict = {}
    for reader, doc_id, w in events or ():
        r = row_of.get(int(doc_id))
        if r is None or not w or w <= 0:
            continue
        rows.append(r)
        readers.append(reader_ids.setdefault(reader, len(reader_ids)))
        weights.append(float(w))
    if not rows:
        return None
    from sklearn.preprocessing import normalize

    D = sp.csr_matrix((np.array(weights, np.float32), (np.array(rows), np.array(readers))),
                      shape=(n, len(reader_ids)))
    D.sum_duplicates()
    D.data = np.log1p(D.data)  # damp heavy re-readers
    D = normalize(D, norm="l2", copy=False)
    C = (D @ D.T).tocsr()
    C.setdiag(0)
    if p.min_coreaders > 1:
        B = D.copy()
        B.data[:] = 1
        C = C.multiply((B @ B.T) >= p.min_coreaders).tocsr()
    C.eliminate_zeros()
    keep_r, keep_c, keep_v = [], [], []
    for r in range(n):
        a, b = C.indptr[r], C.indptr[r + 1]
        if a == b:
            continue
        c, v = C.indices[a:b], C.data[a:b]
        if len(v) > p.candidates:
            sel = np.argpartition(-v, p.candidates - 1)[: p.candidates]
            c, v = c[sel], v[sel]
        keep_r.append(np.full(len(c), r))
        keep_c.append(c)
        keep_v.append(v)
    return sp.csr_matrix((np.concatenate(keep_v).astype(np.float32), (np.concatenate(keep_r), np.concatenate(keep_c))),
                         shape=(n, n))

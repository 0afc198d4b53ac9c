"""The neighbour graph: each doc's ``candidates`` most similar docs by text cosine.

Stored as two fixed-width arrays, ``rows[i]`` (neighbour rows, -1 where fewer exist) and
``sims[i]`` (their cosines), best first; ties are broken by the lower row, so the graph is the
same however it was computed. The ranker re-scores only these candidates.

Up to ``exact_max_docs`` every pair is scored, in dense blocks. Above it docs are grouped by
spherical k-means on low-dimensional (LSA) vectors and each group searches only the members of its
``cluster_probe`` nearest groups, so work grows about as n * sqrt(n) rather than n^2. A new doc is
always searched exactly (one sparse product against every row) and then enters the lists of the
docs it is closer to than their last neighbour: :meth:`NeighbourGraph.add`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from .docs import Params
from .growing import appended, room, state_without_room
from .text import in_parallel, similarity, worker_count


def best_first(rows: np.ndarray, sims: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep the ``width`` best of each line (ties: lower row first), padded with -1 / -inf."""
    n = len(rows)
    if rows.shape[1] == 0:
        return np.full((n, width), -1, np.int32), np.full((n, width), -np.inf, np.float32)
    present = rows >= 0
    by_row = np.argsort(np.where(present, rows, np.iinfo(np.int64).max), axis=1, kind="stable")
    key = np.take_along_axis(np.where(present, -sims.astype(np.float32), np.inf), by_row, axis=1)
    order = np.take_along_axis(by_row, np.argsort(key, axis=1, kind="stable"), axis=1)[:, :width]
    out_r = np.take_along_axis(rows, order, axis=1).astype(np.int32)
    out_s = np.take_along_axis(sims, order, axis=1).astype(np.float32)
    out_s[out_r < 0] = -np.inf
    if out_r.shape[1] < width:
        pad = width - out_r.shape[1]
        out_r = np.pad(out_r, ((0, 0), (0, pad)), constant_values=-1)
        out_s = np.pad(out_s, ((0, 0), (0, pad)), constant_values=-np.inf)
    return out_r, out_s


def _search_block(q_rows: np.ndarray, c_rows: np.ndarray, X: sp.csr_matrix, E: np.ndarray | None, dense_weight: float,
                  width: int):
    """Similarity of each query row to every candidate row (``c_rows`` ascending); the best ``width``
    (no self, > 0)."""
    Eq, Ec = (None, None) if E is None else (E[q_rows], E[c_rows])
    S = similarity(X[q_rows], X[c_rows], Eq, Ec, dense_weight)
    at = np.minimum(np.searchsorted(c_rows, q_rows), len(c_rows) - 1)
    own = np.flatnonzero(c_rows[at] == q_rows)  # query rows that are among the candidates: not themselves
    S[own, at[own]] = 0
    m = min(width, S.shape[1])
    if m < S.shape[1]:
        idx = np.argpartition(-S, m - 1, axis=1)[:, :m]
    else:
        idx = np.tile(np.arange(S.shape[1]), (len(q_rows), 1))
    vals = np.take_along_axis(S, idx, axis=1)
    rows = np.where(vals > 0, c_rows[idx], -1)
    return best_first(rows, vals, width)


def _search_blocks(blocks, X, E, dense_weight: float, width: int):
    return [(q, *_search_block(q, c, X, E, dense_weight, width)) for q, c in blocks]


def _lsa(X: sp.csr_matrix, p: Params) -> np.ndarray:
    from sklearn.decomposition import TruncatedSVD

    n, V = X.shape
    d = max(2, min(100, n - 1, V - 1))
    rng = np.random.default_rng(0)
    sample = X if n <= p.lsa_sample else X[np.sort(rng.choice(n, p.lsa_sample, replace=False))]
    svd = TruncatedSVD(n_components=d, n_iter=4, random_state=0).fit(sample)
    return normalize(np.asarray(X @ svd.components_.T.astype(np.float32), dtype=np.float32))


def _groups(E: np.ndarray, p: Params) -> tuple[np.ndarray, np.ndarray]:
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


def _top(values: np.ndarray, m: int) -> np.ndarray:
    """Positions of the ``m`` highest values, best first, ties to the lower position: what
    ``np.argsort(-values, kind="stable")[:m]`` gives, without sorting all of them."""
    if len(values) > m > 0:
        kth = np.partition(values, len(values) - m)[len(values) - m]  # the m-th highest
        at_least = np.flatnonzero(values >= kth)  # ascending positions: a stable sort keeps ties in order
        return at_least[np.argsort(-values[at_least], kind="stable")][:m]
    return np.argsort(-values, kind="stable")[:m]


@dataclass
class NeighbourGraph:
    rows: np.ndarray  # (n, width) int32, -1 = none
    sims: np.ndarray  # (n, width) float32, -inf = none

    def __getstate__(self) -> dict:
        return state_without_room(self)

    @property
    def width(self) -> int:
        return self.rows.shape[1]

    def last_sim(self) -> np.ndarray:
        """What a newcomer must beat to enter each doc's candidates (-inf while a line has room)."""
        return self.sims[:, -1]

    def add(self, row: int, sims_to_all: np.ndarray) -> np.ndarray:
        """Append doc ``row`` (its exact cosine to every earlier row given) and enter it into the
        lines it beats. Returns the rows whose candidates changed."""
        width = self.width
        n = len(sims_to_all)
        order = _top(sims_to_all, width)
        order = order[sims_to_all[order] > 0]
        own_r = np.full((1, width), -1, np.int32)
        own_s = np.full((1, width), -np.inf, np.float32)
        own_r[0, : len(order)] = order
        own_s[0, : len(order)] = sims_to_all[order]
        entered = np.flatnonzero((sims_to_all > self.last_sim()[:n]) & (sims_to_all > 0))
        if len(entered):
            r = np.concatenate([self.rows[entered], np.full((len(entered), 1), row, np.int32)], axis=1)
            s = np.concatenate([self.sims[entered], sims_to_all[entered, None].astype(np.float32)], axis=1)
            self.rows[entered], self.sims[entered] = best_first(r, s, width)
        rooms = room(self)  # the arrays grow into room behind them, not copied each time (growing.py)
        self.rows = appended(rooms, "rows", self.rows, own_r)
        self.sims = appended(rooms, "sims", self.sims, own_s)
        return entered


def build_graph(X: sp.csr_matrix, E: np.ndarray | None, dense_weight: float, p: Params) -> NeighbourGraph:
    """Each row's ``candidates`` most similar rows (all pairs, or grouped above exact_max_docs)."""
    n = X.shape[0]
    width = p.candidates
    blocks = []
    if n <= p.exact_max_docs or n < 50:
        everyone = np.arange(n)
        step = max(1, p.block_cells // max(n, 1))
        blocks = [(np.arange(s, min(n, s + step)), everyone) for s in range(0, n, step)]
    else:
        labels, cent = _groups(E if E is not None else _lsa(X, p), p)
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
    workers = worker_count(n, p)
    # k-means groups are uneven: deal the blocks out biggest first, so the parts are of about one size and
    # no worker is left with a big one at the end (each block's result is its own, whatever the order)
    blocks.sort(key=lambda block: -len(block[0]) * len(block[1]))
    groups = [blocks[i :: workers * 8] for i in range(workers * 8)] if workers > 1 else [blocks]
    rows = np.full((n, width), -1, np.int32)
    sims = np.full((n, width), -np.inf, np.float32)
    for part in in_parallel(_search_blocks, groups, workers, (X, E, dense_weight, width)):
        for q, r, s in part:
            rows[q], sims[q] = r, s
    return NeighbourGraph(rows=rows, sims=sims)

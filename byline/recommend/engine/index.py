"""The fitted index and the two ways lists are made: the full rebuild and the publish-time update.

    index = build_index(docs)                        # text model + neighbour graph
    lists = related_for_all(index, k=6, events=ev)   # every doc's list
    mine, changed = related_for_new(index, doc)      # one new (or edited) doc, index updated in place

Both call :func:`~byline.recommend.engine.ranking.rank_rows` for every list they produce. A
publish-time update adds the doc's vector and neighbours to the index, then re-ranks the new doc
and exactly the docs whose candidates it entered: no other doc's ranking inputs changed (scores are
exact cosines between stored vectors). So adding docs one at a time gives the lists a rebuild over
the same text model gives, up to ties between equal scores and these documented differences:
co-reading is only counted at a rebuild; popularity is scaled by the top popularity of the last
rebuild; above ``exact_max_docs`` the rebuild's neighbour search is approximate while a new doc's is
exact; and an edited doc's old place in other docs' candidates is dropped, not refilled, until the
next rebuild. The text model itself (vocabulary, idf) is refitted only by a rebuild.

What callers may rely on: a doc never appears in its own list; ids in ``exclude`` never appear in
any list; lists are best first, at most ``k`` long, without repeats, with finite scores that never
increase down the list; results are deterministic for the same inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from .docs import LANG_CODE, Doc, Event, Params, normalise_lang
from .growing import appended, appended_rows, room, state_without_room
from .neighbours import NeighbourGraph, best_first, build_graph
from .ranking import RankingInputs, coread_matrix, priors, rank_rows
from .text import TextModel, dense_rows, each_in_parallel, fit_text_model, worker_count

List = list[tuple[int, float]]
Embed = Callable[[list[Doc]], np.ndarray]


@dataclass
class Index:
    """Fitted state; treat as opaque (it pickles). ``ids[i]`` is the doc id of row ``i``."""

    params: Params
    ids: np.ndarray
    row_of: dict[int, int]
    langs: np.ndarray  # uint8 language code per row (docs.LANG_CODE)
    published_at: np.ndarray
    popularity: np.ndarray
    text: TextModel
    X: sp.csr_matrix  # term rows
    E: np.ndarray | None  # dense rows (text.dense_rows)
    dense_weight: float
    graph: NeighbourGraph
    pop_top: float
    coread: sp.csr_matrix | None = None  # from the last related_for_all with events
    last_now: float | None = None
    meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def __getstate__(self) -> dict:
        return state_without_room(self)  # publishes' spare room (growing.py) is not saved


def build_index(docs: Iterable[Doc], params: Params | None = None, text: TextModel | None = None,
                embed: Embed | None = None) -> Index:
    """Fit the text model on ``docs`` (or reuse ``text``) and compute the neighbour graph.

    ``embed(docs)`` (optional) returns one sentence-embedding row per doc (zeros for a doc it
    cannot read); the index keeps it and publish-time updates must pass the same function.
    Raises ``ValueError`` on duplicate ids, an unknown language or an empty catalogue.
    """
    p = params or (text.params if text is not None else Params())
    docs = list(docs)
    if not docs:
        raise ValueError("cannot build an index over an empty catalogue")
    ids = np.array([int(d.id) for d in docs], dtype=np.int64)
    row_of = {int(i): r for r, i in enumerate(ids)}
    if len(row_of) != len(ids):
        raise ValueError("duplicate doc ids in catalogue")
    langs = np.array([LANG_CODE[normalise_lang(d.lang)] for d in docs], dtype=np.uint8)
    if text is None:
        text, X = fit_text_model(docs, p)
    else:
        X = text.vectors(docs)
    popularity = np.array([max(0.0, float(d.popularity)) for d in docs], dtype=np.float64)
    E, dense_weight = dense_rows(text, X, embed(docs) if embed is not None else None)
    return Index(
        params=p,
        ids=ids,
        row_of=row_of,
        langs=langs,
        published_at=np.array([float(d.published_at) for d in docs], dtype=np.float64),
        popularity=popularity,
        text=text,
        X=X,
        E=E,
        dense_weight=dense_weight,
        graph=build_graph(X, E, dense_weight, p),
        pop_top=float(np.log1p(popularity.max())),
        meta={"embedded": embed is not None},
    )


def _inputs(index: Index, p: Params, now: float, exclude: Iterable[int]) -> RankingInputs:
    excluded = np.zeros(len(index), dtype=bool)
    for i in exclude:
        r = index.row_of.get(int(i))
        if r is not None:
            excluded[r] = True
    return RankingInputs(
        X=index.X,
        E=index.E,
        dense_weight=index.dense_weight,
        langs=index.langs,
        prior=priors(index.popularity, index.published_at, index.pop_top, now, p),
        excluded=excluded,
        coread=index.coread,
        params=p,
        graph_rows=index.graph.rows,
        graph_sims=index.graph.sims,
    )


def _rank_rows(rows: np.ndarray, index: Index, inputs: RankingInputs, k: int) -> list[List]:
    out: list[List] = []
    for s in range(0, len(rows), 256):
        part = rows[s : s + 256]
        out.extend(rank_rows(inputs, part, index.graph.rows[part], k))
    return out


def _as_ids(index: Index, items: List) -> List:
    return [(int(index.ids[r]), s) for r, s in items]


def related_for_all(
    index: Index,
    k: int = 6,
    events: Iterable[Event] | None = None,
    exclude: Iterable[int] = (),
    now: float | None = None,
    params: Params | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[int, List]:
    """Every doc's related list (full rebuild), {doc_id: [(other_id, score), ...]}, best first.

    ``events``: (reader_id, doc_id, weight) reads or purchases, kept in the index for later
    publish-time updates (unknown doc ids ignored). ``exclude``: ids never recommended (they still
    get their own list). ``now``: reference time for freshness (default: the newest doc).
    ``params`` overrides the ranking knobs (the text model and graph stay as built).
    ``progress(done, total)`` is called after each batch.
    """
    p = params or index.params
    n = len(index)
    now = float(index.published_at.max()) if now is None else float(now)
    if events is not None:
        index.coread = coread_matrix(index.row_of, n, list(events), p)
    index.last_now = now
    inputs = _inputs(index, p, now, exclude)
    out: dict[int, List] = {}
    batch = 4096
    chunks = [np.arange(s, min(n, s + batch)) for s in range(0, n, batch)]
    done = each_in_parallel(_rank_rows, chunks, worker_count(n, p), (index, inputs, k))
    for rows, lists in zip(chunks, done, strict=True):
        for r, items in zip(rows, lists, strict=True):
            out[int(index.ids[r])] = _as_ids(index, items)
        if progress is not None:
            progress(int(rows[-1]) + 1, n)
    return out


def related_for_new(
    index: Index,
    doc: Doc,
    k: int = 6,
    exclude: Iterable[int] = (),
    now: float | None = None,
    embed: Embed | None = None,
) -> tuple[List, dict[int, List]]:
    """Publish-time update for one new or edited doc, without refitting the text model.

    Adds the doc to ``index`` (its vector, its exact neighbours, its place in the candidates of the
    docs it is close to) and returns ``(own_list, changed)``: the doc's list, and the new list of
    every other doc whose candidates it entered, {doc_id: list}. Rank by rank these are what
    :func:`related_for_all` would give on the updated index (see the module doc for the limits).
    An index built with an embedding back end needs the same ``embed`` here.
    """
    if index.meta.get("embedded") and embed is None:
        raise ValueError("this index was built with sentence embeddings: pass the same embed function")
    p = index.params
    lang = LANG_CODE[normalise_lang(doc.lang)]
    vector = index.text.vectors([doc])
    row = index.row_of.get(int(doc.id))
    embedded = embed([doc]) if embed is not None and index.meta.get("embedded") else None
    dense, _ = dense_rows(index.text, vector, embedded)
    changed_rows = _place(index, doc, vector, dense, row, lang)
    row = index.row_of[int(doc.id)]
    now_ = index.last_now if now is None and index.last_now is not None else now
    now_ = float(index.published_at.max()) if now_ is None else float(now_)
    inputs = _inputs(index, p, now_, exclude)
    others = [r for r in changed_rows if r != row]
    lists = _rank_rows(np.array([row, *others], dtype=np.int64), index, inputs, k)
    changed = {int(index.ids[r]): _as_ids(index, items) for r, items in zip(others, lists[1:], strict=True)}
    return _as_ids(index, lists[0]), changed


def _to_all(index: Index, vector: sp.csr_matrix, dense: np.ndarray | None) -> np.ndarray:
    """One doc's similarity to every row, as :func:`~.text.similarity` computes it (``X @ v`` keeps
    the big matrix in its stored orientation: ``v @ X.T`` would transpose it on every publish; ``v`` dense
    over the vocabulary makes it one pass over X's entries, where a sparse ``v`` took two and built a sparse
    result: the same sums, each row's products added in the same order)."""
    v = np.zeros(index.X.shape[1], np.float32)
    v[vector.indices] = vector.data
    S = np.asarray(index.X @ v, dtype=np.float32).ravel()
    if dense is None or not index.dense_weight:
        return S
    return ((1 - index.dense_weight) * S + index.E @ dense[0]).astype(np.float32)


def _place(index: Index, doc: Doc, vector: sp.csr_matrix, dense: np.ndarray | None, row: int | None,
           lang: int) -> list[int]:
    """Put the doc's vectors and neighbours into the index; the rows whose candidates changed."""
    g = index.graph
    if row is None:  # a new doc: append it (into room kept behind the arrays: growing.py)
        sims = _to_all(index, vector, dense)
        row = len(index)
        rooms = room(index)
        index.X = appended_rows(rooms, index.X, vector)
        if index.E is not None:
            index.E = appended(rooms, "E", index.E, dense)
        index.ids = appended(rooms, "ids", index.ids, np.array([int(doc.id)], np.int64))
        index.row_of[int(doc.id)] = row
        index.langs = appended(rooms, "langs", index.langs, np.array([lang], np.uint8))
        index.published_at = appended(rooms, "published_at", index.published_at, np.array([float(doc.published_at)]))
        index.popularity = appended(rooms, "popularity", index.popularity,
                                    np.array([max(0.0, float(doc.popularity))]))
        return list(g.add(row, sims)) + [row]
    # an edited doc: new vector and own neighbours; it leaves the lines it was in and re-enters
    # those it still beats (a line it leaves keeps one candidate fewer until the next rebuild)
    index.X = sp.vstack([index.X[:row], vector, index.X[row + 1 :]], format="csr")
    if index.E is not None:
        index.E[row] = dense[0]
    index.langs[row] = lang
    index.published_at[row] = float(doc.published_at)
    index.popularity[row] = max(0.0, float(doc.popularity))
    sims = _to_all(index, vector, dense)
    sims[row] = 0
    held = np.flatnonzero((g.rows == row).any(axis=1))
    if len(held):
        lines_r, lines_s = g.rows[held].copy(), g.sims[held].copy()
        lines_s[lines_r == row], lines_r[lines_r == row] = -np.inf, -1
        g.rows[held], g.sims[held] = best_first(lines_r, lines_s, g.width)
    own_r, own_s = best_first(np.arange(len(sims))[None, :], sims[None, :], g.width)
    own_r[own_s <= 0], own_s[own_s <= 0] = -1, -np.inf
    g.rows[row], g.sims[row] = own_r[0], own_s[0]
    entered = np.flatnonzero((sims > g.last_sim()) & (sims > 0))
    entered = entered[entered != row]
    if len(entered):
        lines_r = np.concatenate([g.rows[entered], np.full((len(entered), 1), row, np.int32)], axis=1)
        lines_s = np.concatenate([g.sims[entered], sims[entered, None]], axis=1)
        g.rows[entered], g.sims[entered] = best_first(lines_r, lines_s, g.width)
    return sorted(set(held.tolist()) | set(entered.tolist()) | {row})


def with_params(index: Index, **changes) -> Index:
    """A shallow copy of ``index`` whose ranking uses changed params (for evaluation)."""
    return replace(index, params=replace(index.params, **changes))


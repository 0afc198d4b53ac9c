"""Related-articles engine (pure Python, no Django): plain :class:`Doc` records in, id lists out.

    index = build_index(docs)                        # text model + neighbour graph
    lists = related_for_all(index, k=6, events=ev)   # full rebuild of every list
    mine, changed = related_for_new(index, doc)      # publish-time update (index updated in place)

The parts, each readable on its own:

* ``docs``: the records and :class:`Params` (no heavy imports; the web side imports only this);
* ``text``: text representation, a doc's words (and Chinese character bigrams) as a weighted vector;
* ``neighbours``: the neighbour graph, each doc's most similar docs by cosine;
* ``ranking``: the one per-doc ranker both entry points use (feedback from neighbours, co-reading,
  priors, language and near-copy rules);
* ``index``: the fitted index and the two entry points.

NumPy, SciPy, scikit-learn and jieba are imported only when an entry point is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .docs import Doc, Event, Params, normalise_lang

if TYPE_CHECKING:  # pragma: no cover
    from .index import Index, build_index, related_for_all, related_for_new

__all__ = ["Doc", "Event", "Params", "normalise_lang", "Index", "build_index", "related_for_all", "related_for_new"]

_LAZY = {"Index", "build_index", "related_for_all", "related_for_new"}


def __getattr__(name: str):
    if name in _LAZY:
        from . import index

        return getattr(index, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

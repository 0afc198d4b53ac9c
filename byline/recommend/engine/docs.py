"""What the engine is given and the knobs it has: plain records, no heavy imports.

The web side (catalogue, services) imports these without pulling in NumPy, SciPy or jieba.
"""

from __future__ import annotations

from dataclasses import dataclass

Event = tuple  # (reader_id: int | str, doc_id: int, weight: float)

LANG_CODE = {"en": 0, "zh-hans": 1}
_LANGS = {"en": "en", "zh": "zh-hans", "zh-hans": "zh-hans", "zh-cn": "zh-hans", "zh_cn": "zh-hans"}


def normalise_lang(lang: str) -> str:
    """Map 'en', 'zh', 'zh-hans', 'zh-cn' (any case) to 'en' / 'zh-hans'; ValueError for anything else."""
    key = (lang or "").strip().lower()
    if key not in _LANGS:
        raise ValueError(f"unknown language {lang!r}: expected 'en' or 'zh-hans'")
    return _LANGS[key]


@dataclass(frozen=True)
class Doc:
    """One article as the engine sees it.

    ``lang`` is 'en' or 'zh-hans' (see :func:`normalise_lang`); ``topic`` is a free-text
    section/tag string (may be empty); ``published_at`` is unix seconds; ``popularity`` is any
    non-negative count (views, sales).
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
    """Every tunable, with the one set of defaults used on every catalogue.

    The defaults were chosen by leave-one-corpus-out evaluation (``manage.py evaluate_related``) on
    seven labelled corpora (news and newswire, forum posts, university web pages, scientific abstracts,
    product reviews; English and Chinese; see scripts/corpora/build.py): on each corpus left out, the
    setting with the best worst-case margin on the other six was this one, and it beats the best
    baseline by 0.02 or more on every corpus. Nothing here depends on a corpus's labels or
    name; the one adaptive choice (Chinese character bigrams) reads the catalogue's own text at fit time.
    """

    # --- text representation (text.py)
    title_weight: float = 1.0  # title words count this many times a body word (2 did not generalise)
    topic_weight: float = 1.0
    tf: str = "log"  # "log": 1 + ln(tf) (sublinear); "bm25": k1/b saturation with length normalisation
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    min_df: int = 2
    max_df: float = 0.5
    zh_bigrams: str = "auto"  # "auto": add character bigrams when Chinese docs are short; "on"; "off"
    zh_bigram_max_chars: int = 600  # "auto" adds bigrams when the median Chinese doc is shorter than this
    max_text_chars: int = 20_000
    lsa_dims: int = 100  # latent semantic analysis: truncated SVD of the weighted term vectors
    lsa_alpha: float = 0.4  # similarity = (1 - alpha) * term cosine + alpha * LSA cosine
    lsa_sample: int = 8_000  # docs the SVD is fitted on (every doc is projected)
    embedding_weight: float = 0.3  # sentence embeddings' share of the similarity, when a back end gives them
    # --- neighbour graph (neighbours.py)
    candidates: int = 50  # neighbours kept per doc; the ranker re-scores only these
    rank_candidates: int = 25  # the ranker re-scores each doc's nearest this many of them (its main cost)
    coread_candidates: int = 10  # plus this many docs most read with it (co-reading cosine)
    exact_max_docs: int = 20_000  # above this, grouped (k-means) search instead of all pairs
    block_cells: int = 4_000_000  # query rows x candidate rows scored at once (dense float32)
    cluster_factor: float = 1.0  # k-means groups = factor * sqrt(n)
    cluster_iterations: int = 8
    cluster_probe: int = 8
    workers: int = 2  # forked processes for tokenising, search and ranking on large catalogues
    parallel_min_docs: int = 20_000
    # --- ranking (ranking.py): pseudo-relevance feedback over each doc's nearest neighbours
    feedback_docs: int = 10  # m: the doc's nearest neighbours whose similarity is blended in
    feedback_weight: float = 1.0  # beta: T(j) = (s(q, j) + beta * sum_a w_a s(a, j)) / (1 + beta)
    # --- behaviour and priors
    w_text: float = 1.0
    w_coread: float = 0.5
    w_popularity: float = 0.02
    w_freshness: float = 0.02
    freshness_half_life_days: float = 30.0
    min_coreaders: int = 1
    # --- language and near-copies
    cross_lang_threshold: float = 0.6
    max_cross_lang: int = 1
    near_copy: float = 0.9  # a candidate this similar (cosine) to one already listed is a copy, not a choice

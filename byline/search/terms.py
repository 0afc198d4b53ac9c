"""Words for search: the same tokenizer at index time and at query time.

Text is folded to compatibility forms (NFKC: full-width "ｔｅａ" is "tea") and case-folded. Latin
runs of letters and digits are reduced to their English stem (Snowball's English stemmer, the
algorithm behind PostgreSQL's `english` configuration), so "teas" finds tea and "print" finds
printing. Stemming happens here, in Python, at index and at query time alike, so SQLite's FTS5
(unicode61) and PostgreSQL ('simple') store and match exactly the same terms. Chinese runs are
cut by jieba (rjieba) in its search mode, which also yields the shorter words inside a long one
("北京大学" gives 北京, 大学 and 北京大学), so a reader finds an article by any of them. rjieba is
imported with the first Chinese text a process cuts, not with this module.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata

import snowballstemmer

from byline.articles.text import CJK

MAX_TERM_LENGTH = 64
MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 12

_CJK_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
# A Latin (or any non-CJK) word stops where Chinese begins: "用Byline发布" is 用, byline, 发布.
_RUNS = re.compile(f"(?P<cjk>[{_CJK_CHARS}]+)|(?P<word>[^\\W_{_CJK_CHARS}]+)")
WORD = re.compile(f"[^\\W_{_CJK_CHARS}]+")

_stemmers = threading.local()  # a Snowball stemmer keeps state while it works: one per thread


@functools.lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The search term of one folded word (lower case, NFKC): its English stem."""
    stemmer = getattr(_stemmers, "english", None)
    if stemmer is None:
        stemmer = _stemmers.english = snowballstemmer.stemmer("english")
    return stemmer.stemWord(word)


@functools.cache
def _segmenter():
    """rjieba, imported on the first Chinese text: its dictionary costs a process about 33 MiB, which a web
    worker that never searches or saves Chinese should not carry."""
    import rjieba

    return rjieba


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def terms_of(text: str) -> list[str]:
    """Every searchable term of `text`, in order, repeats kept (they count for ranking)."""
    terms: list[str] = []
    for match in _RUNS.finditer(fold(text or "")):
        if match.group("cjk"):
            terms.extend(word for word in _segmenter().cut_for_search(match.group("cjk")) if CJK.search(word))
        elif len(match.group("word")) <= MAX_TERM_LENGTH:
            terms.append(stem(match.group("word")))
    return terms


def query_terms(query: str) -> list[str]:
    """The distinct terms of a reader's query, as plain words: operators, quotes, column
    filters and wildcards are punctuation here, never syntax. Bounded in length and count."""
    seen: dict[str, None] = {}
    for term in terms_of((query or "")[:MAX_QUERY_CHARS]):
        seen.setdefault(term, None)
        if len(seen) >= MAX_QUERY_TERMS:
            break
    return list(seen)


def joined(terms: list[str]) -> str:
    return " ".join(terms)

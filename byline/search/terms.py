"""Words for search: the same tokenizer at index time and at query time.

Latin text is split into runs of letters and digits and case-folded; Chinese runs are cut by
jieba (rjieba) in its search mode, which also yields the shorter words inside a long one
("北京大学" gives 北京, 大学 and 北京大学), so a reader finds an article by any of them. The
result is plain space-separated terms that both FTS5 (unicode61) and PostgreSQL ('simple')
split exactly the same way.
"""

from __future__ import annotations

import re

import rjieba

from byline.articles.text import CJK

MAX_TERM_LENGTH = 64
MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 12

_RUNS = re.compile(r"(?P<cjk>(?:[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef])+)|(?P<word>[^\W_]+)")


def terms_of(text: str) -> list[str]:
    """Every searchable term of `text`, in order, repeats kept (they count for ranking)."""
    terms: list[str] = []
    for match in _RUNS.finditer(text or ""):
        if match.group("cjk"):
            terms.extend(word for word in rjieba.cut_for_search(match.group("cjk")) if CJK.search(word))
        else:
            word = match.group("word").casefold()
            # A run of CJK inside \w is handled above; what is left here has no CJK.
            if len(word) <= MAX_TERM_LENGTH:
                terms.append(word)
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

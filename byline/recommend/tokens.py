"""Tokenisation for English, Simplified Chinese and mixed text.

Pure Python, no Django. ``tokenize(text)`` returns a list of index terms:

* Latin-script runs are lower-cased words (letters, digits, apostrophes
  inside a word); pure numbers, one-letter words and a small English stop
  list are dropped; a light plural/possessive stemmer folds ``markets`` ->
  ``market``, ``companies`` -> ``company``, ``firm's`` -> ``firm``.
* CJK runs are segmented with ``rjieba`` (or ``jieba`` when rjieba is not
  installed); single-character tokens (mostly particles and function words)
  and a small Chinese stop list are dropped.

Both scripts may appear in the same text; each run is handled by its own
rule, so "苹果发布 iPhone 新机型" yields Chinese words and ``iphone``.
"""

from __future__ import annotations

import re
from functools import lru_cache

try:  # pragma: no cover - depends on the environment
    import importlib.util

    SEGMENTER = "rjieba" if importlib.util.find_spec("rjieba") else "jieba"
except ValueError:  # pragma: no cover
    SEGMENTER = "jieba"


@lru_cache(maxsize=1)
def _segment():
    """The segmenter, imported on the first Chinese text: rjieba's dictionary costs a process about 33 MiB
    (jieba's more), which a web worker that never cuts Chinese should not carry."""
    if SEGMENTER == "rjieba":
        import rjieba

        return rjieba.cut
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba.lcut


def _cut(text: str) -> list[str]:
    return _segment()(text)


__all__ = ["tokenize", "raw_tokens", "latin_term", "cjk_term", "kept", "cjk_bigrams", "EN_STOP_WORDS", "ZH_STOP_WORDS",
           "SEGMENTER", "stem"]

EN_STOP_WORDS = frozenset(
    """
a about above after again against all also although am an and any are aren't as at
be because been before being below between both but by can can't cannot could couldn't
did didn't do does doesn't doing don't down during each either else ever every few for
from further had hadn't has hasn't have haven't having he he'd he'll he's her here
here's hers herself him himself his how how's however i i'd i'll i'm i've if in into is
isn't it it's its itself just let's like made make many may me might more most much
must mustn't my myself neither no nor not now of off often on once one only or other
ought our ours ourselves out over own per quite rather really said same say says shall
shan't she she'd she'll she's should shouldn't since so some such than that that's the
their theirs them themselves then there there's these they they'd they'll they're
they've this those though through thus to too under until up upon us very was wasn't
we we'd we'll we're we've were weren't what what's when when's where where's whether
which while who who's whom whose why why's will with within without won't would
wouldn't yet you you'd you'll you're you've your yours yourself yourselves mr mrs ms
told also get got go going new year years two three last first well back still even
""".split()
)

ZH_STOP_WORDS = frozenset(
    """
一个 一些 一种 一次 一直 一定 一样 一般 一起 不是 不会 不能 不过 不同 之后 之前 之间 也是
了解 今天 他们 以上 以下 以及 以后 以来 但是 你们 其中 其他 其它 别人 可以 可能
同时 因为 因此 如果 如何 她们 它们 对于 就是 已经 并且 并不 所以 所有 我们 或者 时候 是否
有些 有的 没有 然后 然而 现在 由于 目前 相关 而且 自己 虽然 认为 还是 还有 这个 这些 这样
这种 这里 进行 通过 那个 那些 那么 非常 需要 表示 成为 其实 只是 只有 甚至 以为 为了 作为
什么 怎么 怎样 为什么 所谓 此外 另外 而是 包括 一下 之一 出现 开始 记者 报道 消息 昨天 今年
去年 明年 日前 近日 上午 下午 晚上 方面 情况 比较 很多 更多 最后 最近 左右 以上 之外 当时
""".split()
)

_HAS_ALPHA = re.compile(r"[^\d'’.]")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str | None:
    """Return the index form of a lower-cased Latin word, or None to drop it."""
    word = word.replace("’", "'").strip("'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) < 2 or word in EN_STOP_WORDS or not _HAS_ALPHA.search(word):
        return None
    if len(word) > 4 and word.endswith("ies") and not word.endswith("eies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "'s")):
        word = word[:-1]
    return word


_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")
_LATIN = re.compile(r"[0-9A-Za-z\u00c0-\u024f][0-9A-Za-z\u00c0-\u024f'’]*")


class _Stems(dict):
    """A word as written -> its index form (None: dropped); looked up from C (``map``), filled on a miss."""

    def __missing__(self, word: str) -> str | None:
        if len(self) > 500_000:  # bounded: a catalogue of random strings must not grow it forever
            self.clear()
        value = self[word] = stem(word.lower())
        return value


_STEMS = _Stems()


def tokenize(text: str) -> list[str]:
    """Split English/Chinese/mixed ``text`` into index terms (see module doc): Latin words first, then
    Chinese words, each in text order.

    Built for throughput (a rebuild tokenises every article): one regex pass finds the Latin words, mapped
    through a dict of word -> term from C; all CJK runs of a text go to the segmenter in one call, joined by
    a newline (the segmenter cuts at anything that is not a Han character, so each run is cut exactly as on
    its own; the newline comes back as a one-character token and is dropped with the others).
    """
    words, pieces = raw_tokens(text)
    out = list(map(_STEMS.__getitem__, words))
    out += pieces
    return [t for t in out if kept(t)]


def raw_tokens(text: str) -> tuple[list[str], list[str]]:
    """The Latin words as written and the segmenter's cut of the CJK runs, before any is dropped:
    :func:`tokenize` is ``latin_term`` of each word and each piece, in that order, Nones and
    :func:`kept` failures left out. For a caller that maps each distinct token once (a rebuild)."""
    if not text:
        return [], []
    runs = _CJK_RUN.findall(text)
    return _LATIN.findall(text), _cut("\n".join(runs)) if runs else []


def latin_term(word: str) -> str | None:
    """The index term of a Latin word as written (None: dropped)."""
    term = _STEMS[word]
    return term if kept(term) else None


def cjk_term(piece: str) -> str | None:
    """The index term of a piece the segmenter cut (None: dropped)."""
    return piece if kept(piece) else None


def kept(term: str | None) -> bool:
    return term is not None and len(term) > 1 and term not in ZH_STOP_WORDS


def cjk_bigrams(text: str) -> list[str]:
    """Overlapping character pairs of each CJK run: "央行利率" -> 央行, 行利, 利率.

    They catch what a word segmenter splits differently in two texts (names, technical terms), which
    matters most in short Chinese texts. A pair that is also a jieba word simply counts twice.
    """
    out: list[str] = []
    for run in _CJK_RUN.findall(text or ""):
        out += map(str.__add__, run, run[1:])  # each character with the next, in C
    return out

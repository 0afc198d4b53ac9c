"""Markdown to safe HTML, the preview/locked split, and word counts in both languages.

Pure functions: no database, no Django models, so they are cheap to test and to call from
the importer, the admin and the demo loader alike.

Text reaches these functions already normalised where it entered (`core.text_input`): LF line
endings, NFC, no BOM, no NUL. `render_body` normalises again anyway (defence in depth: a caller
that forgot must not leak the locked part), and the divider is found line by line with the
tolerance written down at `is_divider_line`.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt

from byline.core.text_input import normalise_text

# The divider once a line is folded (see is_divider_line): "<!--paywall-->", any number of dashes.
_FOLDED_DIVIDER = re.compile(r"<!-+paywall-+>")
# What a divider line may carry besides the marker: any whitespace (spaces, tabs, no-break and
# ideographic spaces) and the zero-width characters editors and pasted text leave behind.
_IGNORED_AROUND_MARKER = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]")
# Dashes that word processors and input methods put in place of "--" (hyphens, en and em dashes,
# minus signs, small and full-width hyphen-minus), all read as "-".
_DASHES = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+\1")

# Share of a priced article shown when its author placed no divider: enough to judge the
# piece, never so much that buying it is pointless.
GENERATED_PREVIEW_SHARE = 0.25

ENGLISH_WORDS_PER_MINUTE = 230
CHINESE_CHARS_PER_MINUTE = 400

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "h5", "h6", "hr",
    "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead",
    "tr", "ul", "img", "figure", "figcaption",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
    "code": {"class"},
}

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_markdown.enable("strikethrough")

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")
# A word in any script written with spaces (Latin, Cyrillic, Greek...): letters and digits, with
# inner apostrophes, dots and hyphens ("don't", "e.g", "well-known" are one word each).
SPACED_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")
TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)[^>]*>")
WHITESPACE = re.compile(r"\s+")
# Tags that end a line of text: they become a space in plain text. Every other (inline) tag
# simply disappears, so "<em>chá</em>, in Russian" reads "chá, in Russian".
BLOCK_TAGS = {
    "blockquote", "br", "div", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "img", "li",
    "ol", "p", "pre", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
# Chinese takes no space between its characters or around its full-width punctuation.
_WIDE = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_WIDE_PUNCTUATION = "\u3000-\u303f\uff00-\uffef"
_SPACE_IN_CHINESE = re.compile(
    f"(?<=[{_WIDE}]) (?=[{_WIDE}])|(?<=[{_WIDE_PUNCTUATION}]) | (?=[{_WIDE_PUNCTUATION}])")


@dataclass(frozen=True)
class RenderedBody:
    preview_html: str
    locked_html: str
    preview_text: str
    preview_words: int
    locked_words: int
    has_divider: bool


def sanitise(raw_html: str) -> str:
    """Keep the formatting a magazine needs; drop scripts, handlers and unsafe URLs."""
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


# Images uploaded in the writing studio live at /images/<key>/<width>.<format> (byline/studio/images.py), stored
# at these widths; its view answers any of them with the nearest stored one, so the HTML may offer them all.
_STUDIO_IMAGE = re.compile(r'<img src="/images/([A-Za-z0-9_-]{8,32})/\d{2,4}\.(webp|png)"')
STUDIO_IMAGE_WIDTHS = (480, 960, 1600)


def _responsive_images(safe_html: str) -> str:
    """Add `srcset` to the studio's images (after sanitising: Markdown cannot write it, nh3 would drop it)."""
    def add(match: re.Match) -> str:
        key, file_format = match.groups()
        srcset = ", ".join(f"/images/{key}/{width}.{file_format} {width}w" for width in STUDIO_IMAGE_WIDTHS)
        return f'{match.group(0)} srcset="{srcset}" sizes="(max-width: 45rem) 100vw, 45rem" loading="lazy"'
    return _STUDIO_IMAGE.sub(add, safe_html) if "/images/" in safe_html else safe_html


def markdown_to_html(source: str) -> str:
    """Render Markdown with raw HTML off, then sanitise the result anyway."""
    return _responsive_images(sanitise(_markdown.render(source)))


def html_to_text(fragment: str) -> str:
    """The words of sanitised HTML as one line of plain text, punctuation kept tight.

    Block tags (paragraphs, list items, line breaks) separate words; inline formatting (emphasis,
    links, code) leaves no trace, so no space appears before a comma that followed it. Chinese
    gets no space between characters or around its punctuation (a new paragraph included).
    """
    text = TAG.sub(lambda tag: " " if tag.group(2).lower() in BLOCK_TAGS else "", fragment)
    text = WHITESPACE.sub(" ", html.unescape(text)).strip()
    return _SPACE_IN_CHINESE.sub("", text)


def count_words(text: str) -> int:
    """Words as readers count them: each Chinese character is one; other words by letters, not spaces."""
    cjk = len(CJK.findall(text))
    spaced = len(SPACED_WORD.findall(CJK.sub(" ", text)))
    return cjk + spaced


def reading_minutes(words: int, lang: str) -> int:
    if words <= 0:
        return 0
    per_minute = CHINESE_CHARS_PER_MINUTE if lang.startswith("zh") else ENGLISH_WORDS_PER_MINUTE
    return max(1, math.ceil(words / per_minute))


def _folded(line: str) -> str:
    """A line as the divider test sees it: compatibility forms, no case, no spaces or zero-widths,
    every dash a hyphen."""
    folded = unicodedata.normalize("NFKC", line).casefold()
    return _DASHES.sub("-", _IGNORED_AROUND_MARKER.sub("", folded))


def is_divider_line(line: str) -> bool:
    """Whether this one line is the paywall divider.

    The marker is `<!-- paywall -->` alone on its line. Tolerated, because authors type it in
    browsers, word processors and Chinese input methods: any case; spaces, tabs, no-break,
    ideographic and zero-width characters before, after and inside it (`<!--paywall-->`); more
    dashes (`<!--- paywall --->`); dashes a word processor made of "--" (`<!– paywall –>`); and
    full-width forms (`＜！－－ paywall －－＞`). Anything else on the line makes it text.
    """
    if "<" not in line and "\uff1c" not in line:
        return False
    return _FOLDED_DIVIDER.fullmatch(_folded(line)) is not None


def _code_lines(source: str, lines: list[str]) -> set[int]:
    """Indices of the lines inside fenced or indented code blocks, at any depth.

    An indented "block" that is nothing but a divider line is not code: it is a divider the
    author indented (with a tab, say), and reading it as code would show the marker and lock nothing.
    """
    code: set[int] = set()
    for token in _markdown.parse(source):
        if token.type in ("fence", "code_block") and token.map is not None:
            block = range(token.map[0], token.map[1])
            if token.type == "code_block" and all(is_divider_line(lines[i]) for i in block if lines[i].strip()):
                continue
            code.update(block)
    return code


@dataclass(frozen=True)
class Dividers:
    """Where the divider stands in a Markdown text (line indices from 0; code blocks excluded)."""

    lines: list[str]
    at: list[int]  # every divider line; the first one splits, the others are dropped
    stray: list[int]  # lines that carry the marker next to other text (not a divider)

    @property
    def nothing_above(self) -> bool:
        return bool(self.at) and not "".join(self.lines[: self.at[0]]).strip()

    @property
    def nothing_below(self) -> bool:
        return bool(self.at) and not "".join(
            line for index, line in enumerate(self.lines) if index > self.at[0] and index not in self.at).strip()


def find_dividers(source: str) -> Dividers:
    """Every divider line and every stray marker of `source`, leaving code blocks and inline code alone."""
    lines = source.split("\n")
    at = [index for index, line in enumerate(lines) if is_divider_line(line)]
    stray = [index for index, line in enumerate(lines)
             if index not in at and "paywall" in _folded(line) and _FOLDED_DIVIDER.search(
                 _folded(_INLINE_CODE.sub("", line)))]
    if at or stray:
        code = _code_lines(source, lines)
        at = [index for index in at if index not in code]
        stray = [index for index in stray if index not in code]
    return Dividers(lines=lines, at=at, stray=stray)


def without_dividers(source: str) -> str:
    """The Markdown with every divider line removed (a free article shows everything, no marker)."""
    found = find_dividers(source)
    drop = set(found.at)
    return "\n".join(line for index, line in enumerate(found.lines) if index not in drop)


def split_at_divider(source: str) -> tuple[str, str] | None:
    """The Markdown above and below the author's first divider, or None if there is none.

    A second divider below the first is dropped; a divider inside a code block is text.
    """
    found = find_dividers(source)
    if not found.at:
        return None
    first, drop = found.at[0], set(found.at)
    above = "\n".join(found.lines[:first])
    below = "\n".join(line for index, line in enumerate(found.lines) if index > first and index not in drop)
    return above, below


def _top_level_blocks(source: str) -> list[tuple[int, int]]:
    """Line ranges [start, end) of the top-level Markdown blocks, in order."""
    blocks = []
    for token in _markdown.parse(source):
        if token.level == 0 and token.map is not None and token.nesting in (0, 1):
            blocks.append((token.map[0], token.map[1]))
    return blocks


def _sentences(paragraph: str) -> list[str]:
    parts = re.split(r"(?<=[.!?。！？])\s*", paragraph.strip())
    return [part for part in parts if part]


def generated_split(source: str) -> tuple[str, str]:
    """Preview for a priced article without a divider: its first blocks, about a quarter of it.

    Always at least one block and never the whole text; a single-paragraph article is split
    between sentences instead.
    """
    # Split as markdown-it counts lines (on LF only), so block line numbers index this list.
    lines = source.split("\n")
    blocks = _top_level_blocks(source)
    total = count_words(source) or 1
    if len(blocks) >= 2:
        taken_words = 0
        cut_line = blocks[0][1]
        for index, (start, end) in enumerate(blocks[:-1]):
            taken_words += count_words("\n".join(lines[start:end]))
            cut_line = end
            next_block = blocks[index + 1]
            if taken_words / total >= GENERATED_PREVIEW_SHARE or next_block is blocks[-1]:
                break
        return "\n".join(lines[:cut_line]), "\n".join(lines[cut_line:])
    sentences = _sentences(source)
    if len(sentences) < 2:
        # One sentence cannot be shared out: show nothing rather than everything.
        return "", source
    keep = max(1, min(len(sentences) - 1, round(len(sentences) * GENERATED_PREVIEW_SHARE)))
    joiner = "" if CJK.search(source) else " "
    return joiner.join(sentences[:keep]), joiner.join(sentences[keep:])


def render_body(source: str, *, priced: bool) -> RenderedBody:
    """Split an article's Markdown into its preview and locked halves and render each safely.

    A free article is all preview. A priced one is split at the divider, or at a generated
    point when the author placed none. The text is normalised here once more (a NUL becomes
    U+FFFD, as CommonMark reads it), so a caller that skipped `normalise_text` still gets the split
    its author meant.
    """
    source = normalise_text(source.replace("\x00", "\ufffd"))
    split = split_at_divider(source)
    has_divider = split is not None
    if not priced:
        preview_md, locked_md = (without_dividers(source), "")
    elif split is not None:
        preview_md, locked_md = split
    else:
        preview_md, locked_md = generated_split(source)
    preview_html = markdown_to_html(preview_md)
    locked_html = markdown_to_html(locked_md) if locked_md.strip() else ""
    preview_text = html_to_text(preview_html)
    return RenderedBody(
        preview_html=preview_html,
        locked_html=locked_html,
        preview_text=preview_text,
        preview_words=count_words(preview_text),
        locked_words=count_words(html_to_text(locked_html)),
        has_divider=has_divider,
    )


def excerpt(text: str, limit: int = 180) -> str:
    """A teaser cut at a word (or, for Chinese, a character) boundary."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if not CJK.search(cut[-20:]) and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:，。；：") + "…"

"""Markdown to safe HTML, the preview/locked split, and word counts in both languages.

Pure functions: no database, no Django models, so they are cheap to test and to call from
the importer, the admin and the demo loader alike.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt

PAYWALL_DIVIDER = re.compile(r"^[ \t]*<!--\s*paywall\s*-->[ \t]*$", re.MULTILINE | re.IGNORECASE)

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
LATIN_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+(?:['’.-][A-Za-z0-9\u00c0-\u024f]+)*")
TAG = re.compile(r"<[^>]+>")
WHITESPACE = re.compile(r"\s+")


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


def markdown_to_html(source: str) -> str:
    """Render Markdown with raw HTML off, then sanitise the result anyway."""
    return sanitise(_markdown.render(source))


def html_to_text(fragment: str) -> str:
    text = TAG.sub(" ", fragment)
    return WHITESPACE.sub(" ", html.unescape(text)).strip()


def count_words(text: str) -> int:
    """Words as readers count them: each Chinese character is one, Latin words by letters, not spaces."""
    cjk = len(CJK.findall(text))
    latin = len(LATIN_WORD.findall(CJK.sub(" ", text)))
    return cjk + latin


def reading_minutes(words: int, lang: str) -> int:
    if words <= 0:
        return 0
    per_minute = CHINESE_CHARS_PER_MINUTE if lang.startswith("zh") else ENGLISH_WORDS_PER_MINUTE
    return max(1, math.ceil(words / per_minute))


def split_at_divider(source: str) -> tuple[str, str] | None:
    """The Markdown above and below the author's first divider, or None if there is none."""
    match = PAYWALL_DIVIDER.search(source)
    if match is None:
        return None
    rest = PAYWALL_DIVIDER.sub("", source[match.end():])
    return source[: match.start()], rest


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
    lines = source.splitlines()
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
    point when the author placed none.
    """
    split = split_at_divider(source)
    has_divider = split is not None
    if not priced:
        preview_md, locked_md = (PAYWALL_DIVIDER.sub("", source), "")
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

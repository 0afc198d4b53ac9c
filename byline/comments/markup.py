"""Comment text: a little Markdown (paragraphs, emphasis, links, code, quotes, lists), sanitised like articles.

Raw HTML is off in the parser and nh3 cleans the result anyway; links readers write carry
`rel="nofollow ugc"` so that the site lends them no standing.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

TAGS = {"p", "br", "a", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "del", "s"}
ATTRIBUTES = {"a": {"href"}}

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.disable(["heading", "lheading", "image", "hr", "html_block", "html_inline", "reference"])
_markdown.enable("strikethrough")


def render_comment(source: str) -> str:
    return nh3.clean(_markdown.render(source), tags=TAGS, attributes=ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel="nofollow ugc noopener noreferrer",
                     strip_comments=True)

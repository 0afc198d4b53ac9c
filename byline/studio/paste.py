"""HTML pasted from word processors and editors (Word, Google Docs, the WeChat editor) as clean Markdown.

Three steps: undo what those editors do instead of markup (Google Docs' bold "b" that is not bold, bold and
italic written as inline styles, WeChat's images whose address is in `data-src`); keep only the tags an
article may hold (`articles.text.sanitise`'s list, through nh3, which also drops scripts, styles, comments and
unsafe URLs); then markdownify. The Markdown is rendered and sanitised again like any other text when saved.
"""

from __future__ import annotations

import re

import nh3
from bs4 import BeautifulSoup, Comment
from markdownify import markdownify

from byline.articles.text import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from byline.core.text_input import normalise_text

MAX_PASTE_CHARS = 2_000_000
_BOLD = re.compile(r"font-weight\s*:\s*(bold|[6-9]00)", re.I)
_NOT_BOLD = re.compile(r"font-weight\s*:\s*(normal|[1-4]00)", re.I)
_ITALIC = re.compile(r"font-style\s*:\s*italic", re.I)
_WORD_MARKER = re.compile(r"^[\s\xa0]*(?:[·•▪o§\uf0b7\uf0a7-]|\d+[.)]|[a-z][.)])[\s\xa0]+")
_WORD_NUMBER = re.compile(r"^[\s\xa0]*\d+[.)][\s\xa0]")
_BLANK_LINES = re.compile(r"\n{3,}")
_BLANK_WITH_SPACES = re.compile(r"^[ \t]+$", re.M)
# Tags kept on the way to Markdown: what an article holds, plus the ones word processors use for the same.
_KEPT_TAGS = (ALLOWED_TAGS - {"figure", "figcaption", "abbr", "sub", "sup"}) | {"b", "i", "h1", "div", "section",
                                                                                "span"}


def _restyle(soup: BeautifulSoup) -> None:
    for comment in soup.find_all(string=lambda node: isinstance(node, Comment)):
        comment.extract()
    for tag in soup.find_all(["style", "script", "meta", "link", "title", "xml"]):
        tag.decompose()
    for tag in soup.find_all(True):
        if ":" in tag.name:  # Word's <o:p>, <w:sdt> ...
            tag.unwrap()
            continue
        style = tag.get("style", "")
        if tag.name == "b" and _NOT_BOLD.search(style):
            tag.unwrap()  # Google Docs wraps a whole paste in a <b> that is not bold
            continue
        if tag.name == "img":
            if not tag.get("src") and tag.get("data-src"):
                tag["src"] = tag["data-src"]  # WeChat loads its images late, from data-src
            if not re.match(r"https?://", tag.get("src", "")):
                tag.decompose()  # a local file (file:///C:/...) or inline data: nothing a reader could load
            continue
        if tag.name in ("span", "font") and style:
            if _BOLD.search(style):
                tag.wrap(soup.new_tag("strong"))
            if _ITALIC.search(style):
                tag.wrap(soup.new_tag("em"))
    _word_lists(soup)


def _drop_typed_marker(paragraph) -> None:
    """Remove the bullet or number Word typed at the start of a list paragraph, and the spaces after it."""
    marker_gone = False
    for node in list(paragraph.descendants):
        if not isinstance(node, str):
            continue
        text = str(node).replace("\xa0", " ")
        if not marker_gone:
            if not text.strip():
                continue
            rest = _WORD_MARKER.sub("", text + " ", count=1)
            marker_gone = True
            if rest.strip():
                node.replace_with(rest.lstrip())
                return
            node.replace_with("")
        elif not text.strip():
            node.replace_with("")
        else:
            node.replace_with(text.lstrip())
            return


def _word_lists(soup: BeautifulSoup) -> None:
    """Word writes a list as paragraphs of class MsoListParagraph*, each starting with its bullet or number
    typed out: make them list items again."""
    current = None
    for paragraph in soup.find_all("p"):
        classes = " ".join(paragraph.get("class", []))
        if "MsoListParagraph" not in classes:
            current = None
            continue
        text = paragraph.get_text()
        numbered = _WORD_NUMBER.match(text) is not None
        _drop_typed_marker(paragraph)
        if current is None or "CxSpFirst" in classes or classes.endswith("MsoListParagraph"):
            current = soup.new_tag("ol" if numbered else "ul")
            paragraph.insert_before(current)
        item = soup.new_tag("li")
        for child in list(paragraph.contents):
            item.append(child.extract())
        current.append(item)
        paragraph.decompose()
        if "CxSpLast" in classes:
            current = None


def markdown_from_html(html: str) -> str:
    """Markdown for pasted HTML: headings, paragraphs, emphasis, links, lists, quotes, code, tables, images."""
    html = html[:MAX_PASTE_CHARS]
    soup = BeautifulSoup(html, "html.parser")
    _restyle(soup)
    attributes = {**ALLOWED_ATTRIBUTES, "img": {"src", "alt", "title"}}
    clean = nh3.clean(str(soup), tags=_KEPT_TAGS, attributes=attributes, url_schemes={"http", "https", "mailto"},
                      strip_comments=True, link_rel=None)
    markdown = markdownify(clean, heading_style="ATX", bullets="-", strong_em_symbol="*", escape_underscores=False,
                           strip=["span", "div", "section"])
    markdown = normalise_text(markdown.replace("\xa0", " ").replace("\x00", ""))
    markdown = _BLANK_WITH_SPACES.sub("", markdown)
    return _BLANK_LINES.sub("\n\n", markdown).strip() + "\n"

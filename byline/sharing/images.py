"""The share image (Open Graph / Twitter card): 1200x630 PNG with title, author, site name and a badge.

Rendered with Pillow in WenQuanYi Micro Hei (it covers Latin and CJK), cached on disk under
var/share-images/ keyed by article id, version and a hash of everything drawn, so a new title
makes a new image and the old file is removed. Only preview-safe fields are drawn.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import unicodedata
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from byline.articles.models import Article
from byline.sharing import conf

logger = logging.getLogger(__name__)

WIDTH, HEIGHT = 1200, 630
MARGIN = 72
BACKGROUND = (15, 38, 64)
ACCENT = (242, 183, 5)
TEXT = (255, 255, 255)
MUTED = (196, 210, 226)
BADGE_COLOURS = {"paid": ((242, 183, 5), (20, 20, 20)), "gift": ((46, 160, 90), (255, 255, 255))}
VARIANTS = ("standard", "gift")
NO_LINE_START = set("，。、；：？！）」』》〉】,.;:!?)")


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = conf.share_image_font()
    try:
        return ImageFont.truetype(str(path), size=size, index=0)
    except OSError:
        # Without the CJK font Chinese titles would come out as boxes: say so loudly, draw Latin anyway.
        logger.warning("Share image font %s is missing (install Debian's fonts-wqy-microhei); "
                       "Chinese text will not render.", path)
        return ImageFont.load_default(size=size)


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _tokens(text: str) -> list[str]:
    """Words for Latin text, single characters for CJK (which may break between any two characters)."""
    tokens: list[str] = []
    word = ""
    for char in text:
        if _is_wide(char):
            if word:
                tokens.append(word)
                word = ""
            tokens.append(char)
        elif char.isspace():
            if word:
                tokens.append(word)
                word = ""
            tokens.append(" ")
        else:
            word += char
    if word:
        tokens.append(word)
    return tokens


def wrap(text: str, font, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        candidate = line + token
        # Closing punctuation never starts a line (CJK line-breaking rule): let it hang instead.
        if line and token not in NO_LINE_START and font.getlength(candidate.rstrip()) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line = candidate
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _fit_title(title: str, width: int, max_height: int) -> tuple[ImageFont.ImageFont, list[str], int]:
    for size in (76, 68, 60, 54, 48, 44):
        font = _font(size)
        line_height = int(size * 1.25)
        lines = wrap(title, font, width)
        if len(lines) * line_height <= max_height:
            return font, lines, line_height
    max_lines = max_height // line_height
    lines = lines[:max_lines]
    last = lines[-1]
    while last and font.getlength(last + "…") > width:
        last = last[:-1]
    lines[-1] = last.rstrip() + "…"
    return font, lines, line_height


def badge_for(article: Article, variant: str) -> str | None:
    if variant == "gift":
        return "gift"
    return None if article.is_free else "paid"


def _labels(article: Article) -> dict[str, str]:
    chinese = article.lang.startswith("zh")
    name = article.author.display_name_zh if chinese and article.author.display_name_zh else article.author.display_name
    with translation.override(article.lang):
        return {"paid": _("Paid"), "gift": _("Gift"), "by": _("By %(name)s") % {"name": name}}


def render_share_image(article: Article, variant: str = "standard") -> bytes:
    """Draw the card; pure function of the article's title, author, language, price kind and `variant`."""
    labels = _labels(article)
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 16, HEIGHT), fill=ACCENT)
    site_font = _font(40)
    draw.text((MARGIN, MARGIN - 8), settings.SITE_NAME, font=site_font, fill=ACCENT)
    badge = badge_for(article, variant)
    if badge:
        badge_font = _font(34)
        text = labels[badge]
        text_width = badge_font.getlength(text)
        box = (WIDTH - MARGIN - text_width - 48, MARGIN - 12, WIDTH - MARGIN, MARGIN + 48)
        fill, ink = BADGE_COLOURS[badge]
        draw.rounded_rectangle(box, radius=30, fill=fill)
        draw.text((box[0] + 24, MARGIN - 4), text, font=badge_font, fill=ink)
    author_font = _font(38)
    title_top, title_bottom = MARGIN + 96, HEIGHT - MARGIN - 80
    font, lines, line_height = _fit_title(article.title, WIDTH - 2 * MARGIN, title_bottom - title_top)
    y = title_top
    for line in lines:
        draw.text((MARGIN, y), line, font=font, fill=TEXT)
        y += line_height
    draw.text((MARGIN, HEIGHT - MARGIN - 44), labels["by"], font=author_font, fill=MUTED)
    out = BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def fingerprint(article: Article, variant: str) -> str:
    drawn = "\x1f".join([article.title, article.author.display_name, article.author.display_name_zh,
                         article.lang, settings.SITE_NAME, str(badge_for(article, variant)),
                         str(conf.share_image_font())])
    return hashlib.sha256(drawn.encode()).hexdigest()[:16]


def share_image_path(article: Article, variant: str) -> Path:
    return conf.share_image_dir() / f"{article.pk}-v{article.version}-{fingerprint(article, variant)}-{variant}.png"


def share_image(article: Article, variant: str = "standard") -> Path:
    """The cached PNG's path, drawn now if the title (or anything else drawn) changed since last time."""
    if variant not in VARIANTS:
        raise ValueError(variant)
    path = share_image_path(article, variant)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    data = render_share_image(article, variant)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as handle:
        handle.write(data)
    os.replace(handle.name, path)
    for stale in path.parent.glob(f"{article.pk}-v*-{variant}.png"):
        if stale != path:
            stale.unlink(missing_ok=True)
    return path

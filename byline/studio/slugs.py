"""Slugs made from titles: never empty, readable in Latin letters (pinyin for Chinese), unique."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from django.utils.text import slugify

from byline.articles.text import CJK

MAX_SLUG_LENGTH = 80


def _pinyin(title: str) -> str:
    from pypinyin import lazy_pinyin  # its dictionaries load on first use: only when a title is Chinese

    # Each character's syllable on its own, so "运河" reads "yun-he"; Latin words in the title stay as written.
    return " ".join(lazy_pinyin(title, errors=lambda chars: chars))


def base_slug(title: str) -> str:
    """The title in lowercase Latin letters, digits and hyphens (may be empty: a title of emoji only)."""
    text = _pinyin(title) if CJK.search(title) else title
    slug = slugify(text)
    if len(slug) > MAX_SLUG_LENGTH:
        slug = slug[:MAX_SLUG_LENGTH].rsplit("-", 1)[0] or slug[:MAX_SLUG_LENGTH]
    return slug.strip("-")


def short_id() -> str:
    return "a-" + secrets.token_hex(4)


def unique_slug(title: str, *, taken: Callable[[str], bool]) -> str:
    """A slug for `title` that `taken` says is free: the title's, else with -2, -3...; a short id if the
    title gives no letters."""
    base = base_slug(title)
    if not base:
        candidate = short_id()
        while taken(candidate):
            candidate = short_id()
        return candidate
    if not taken(base):
        return base
    for number in range(2, 1000):
        candidate = f"{base}-{number}"
        if not taken(candidate):
            return candidate
    return f"{base[:MAX_SLUG_LENGTH - 11]}-{secrets.token_hex(4)}"


def follows_title(slug: str, title: str) -> bool:
    """Whether `slug` is what `unique_slug` made of `title` (the base, or the base with a number)."""
    base = base_slug(title)
    return bool(base) and (slug == base or re.fullmatch(re.escape(base) + r"-\d+", slug) is not None)

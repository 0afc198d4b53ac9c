"""Dates and amounts kept on one line: money pages never break "Jan. 3, 2027" or "2027年1月3日" in two.

Used by the `unbroken` and `day` template filters and by services and views that word a message with a
date in it.
"""

from __future__ import annotations

from django.utils import formats, timezone

WORD_JOINER, NO_BREAK_SPACE = "\u2060", "\u00a0"


def _is_cjk(character: str) -> bool:
    return "\u2e80" <= character <= "\u9fff" or "\uff00" <= character <= "\uffef"


def unbroken(text: str) -> str:
    """`text` that no line breaks inside: no-break spaces, and an invisible word joiner wherever a browser
    may break beside a Chinese character ("2027年1月3日" would otherwise break before any digit)."""
    out = []
    for index, character in enumerate(text.replace(" ", NO_BREAK_SPACE)):
        if index and (_is_cjk(character) or _is_cjk(text[index - 1])):
            out.append(WORD_JOINER)
        out.append(character)
    return "".join(out)


def unbroken_day(moment) -> str:
    """The date in the language's own format, kept on one line."""
    return unbroken(formats.date_format(timezone.localtime(moment), "DATE_FORMAT"))

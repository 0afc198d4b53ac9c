"""Reading what a request carries: plain numbers, and text the database can store.

`str.isdigit()` and `int()` accept far more than 0-9: "²" passes `isdigit()` and then fails `int()`, while
"١٢" (Arabic-Indic) and "１２" (full-width) pass both, and `int()` also takes signs, spaces and underscores.
A page number, a text size or a period read from a query string or a cookie goes through `ascii_int`:
ASCII digits only, and not too many of them.

PostgreSQL cannot store NUL, and psycopg cannot encode an unpaired surrogate: `has_unstorable` finds
either (`core.middleware.BadInputMiddleware` refuses requests that carry one).
"""

from __future__ import annotations

import re

ASCII_DIGITS = re.compile(r"[0-9]+")
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def ascii_int(raw: str | None, *, max_digits: int = 9) -> int | None:
    """The whole number `raw` spells in ASCII digits (at most `max_digits` of them), else None."""
    if raw is None or len(raw) > max_digits or not ASCII_DIGITS.fullmatch(raw):
        return None
    return int(raw)


def has_unstorable(text: str) -> bool:
    """True when `text` holds a NUL or an unpaired surrogate."""
    return UNSTORABLE.search(text) is not None

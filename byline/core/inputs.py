"""Reading what a request carries: plain numbers, and text the database can store.

`str.isdigit()` and `int()` accept far more than 0-9: "²" passes `isdigit()` and then fails `int()`, while
"١٢" (Arabic-Indic) and "１２" (full-width) pass both, and `int()` also takes signs, spaces and underscores.
A page number, a text size or a period read from a query string or a cookie goes through `ascii_int`:
ASCII digits only, and not too many of them.

PostgreSQL cannot store NUL, and psycopg cannot encode an unpaired surrogate: `has_unstorable` finds
either (`core.middleware.BadInputMiddleware` refuses requests that carry one). A view whose forms refuse
them with a message of their own (which line of an article's text) says so with `reports_unstorable_text`,
and its form posts reach it.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any, TypeVar

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


View = TypeVar("View", bound=Callable[..., Any])
ADMIN_FORM_VIEWS = ("add_view", "change_view")


def reports_unstorable_text(view: View) -> View:
    """Mark a view whose forms refuse NUL and unpaired surrogates themselves and re-render saying where
    (`core.text_input.NormalisedCharField`): BadInputMiddleware lets its form posts through. Every field it
    reads must be such a form field. A ModelAdmin says the same, for its add and change forms only, with a
    class attribute of this name."""
    view.reports_unstorable_text = True
    return view


def view_reports_unstorable_text(view: Callable[..., Any]) -> bool:
    """Whether `view` (as URL resolution gives it, through its wrappers) is marked with `reports_unstorable_text`;
    for an admin view, whether its ModelAdmin is."""
    inner = inspect.unwrap(view)
    if getattr(view, "reports_unstorable_text", False) or getattr(inner, "reports_unstorable_text", False):
        return True
    model_admin = getattr(inner, "__self__", None)
    return bool(getattr(model_admin, "reports_unstorable_text", False)
                and getattr(inner, "__name__", "") in ADMIN_FORM_VIEWS)

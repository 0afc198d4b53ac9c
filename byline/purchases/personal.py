"""The article page's undo offer, as a personal value (byline/core/personal.py): most pages of a bought
article come after the undo window, and then it is empty and costs no template and no query."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from byline.access.decision import Reason
from byline.core import personal
from byline.purchases.selectors import undoable_purchase


@personal.register("undo-offer")
def undo_offer(request: HttpRequest | None, context: Mapping[str, Any]) -> str:
    access = context.get("access")
    reader = getattr(request, "user", None)
    if access is None or access.reason != Reason.PURCHASE or not getattr(reader, "is_authenticated", False):
        return ""
    undoable = undoable_purchase(reader=reader, article=context["article"], purchase_id=access.ref)
    if undoable is None:
        return ""
    # No request: the small form needs only the page's CSRF token, not every context processor's work.
    return render_to_string("purchases/undo_offer.html", {"undoable": undoable, "csrf_token": context["csrf_token"]})

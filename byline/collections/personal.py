"""The paywall's collection offer, as a personal value (byline/core/personal.py): "Whole collection ¥29 —
you pay ¥23, 2 parts already yours". It depends on what the reader bought, so it is filled per request;
an article in no collection costs one small query."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from byline.collections import selectors
from byline.core import personal
from byline.pricing.selectors import currency_of


@personal.register("collection-offer")
def collection_offer(request: HttpRequest | None, context: Mapping[str, Any]) -> str:
    article = context.get("article")
    if article is None:
        return ""
    collection = selectors.collection_of(article)
    if collection is None:
        return ""
    reader = getattr(request, "user", None)
    terms = selectors.quote(reader=reader, collection=collection, currency=currency_of(reader))
    return render_to_string("collections/paywall_offer.html", {"terms": terms, "collection": collection})

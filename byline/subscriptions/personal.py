"""What the article page says about subscribing to its writer, as a personal value (byline/core/personal.py):
beside the paywall, how close this month's purchases are to the writer's monthly price ("$2.00 more this
month and all of Lan's articles are yours") and a way to subscribe; under an article the cap opened, that
the month is the reader's and that it can become a subscription with what they paid credited. Nothing for
writers who offer no subscription in the reader's currency (no query: the article's stamp says whether its
writer offers any, and offered prices are remembered per process for a minute)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from byline.access.decision import Reason
from byline.core import personal
from byline.pricing.selectors import currency_of
from byline.subscriptions import fair_price, selectors


@personal.register("author-subscription")
def subscription_note(request: HttpRequest | None, context: Mapping[str, Any]) -> str:
    access, article = context.get("access"), context.get("article")
    reader = getattr(request, "user", None)
    if access is None or article is None or not getattr(reader, "is_authenticated", False):
        return ""
    if article.is_free or (access.allowed and access.reason != Reason.FAIR_PRICE):
        return ""
    if not getattr(article, "subscription_offered", True):  # from the page's stamp: no query
        return ""
    currency = currency_of(reader)
    prices = selectors.offered_prices(article.author_id).get(currency)
    if not prices:
        return ""
    progress = fair_price.progress(reader=reader, author_id=article.author_id, currency=currency) \
        if "month" in prices else None
    return render_to_string("subscriptions/article_note.html", {
        "author": article.author, "prices": prices, "currency": currency, "progress": progress,
        "reached": access.reason == Reason.FAIR_PRICE, "reading": getattr(request, "reading", None)})

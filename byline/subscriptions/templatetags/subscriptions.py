"""`{% cap_note article %}`: on the unlock confirmation, how this purchase stands against the writer's monthly
price (what it will charge if it reaches it, or how much is left after it)."""

from __future__ import annotations

from django import template

from byline.pricing.selectors import currency_of
from byline.subscriptions import fair_price

register = template.Library()


@register.inclusion_tag("subscriptions/cap_note.html", takes_context=True)
def cap_note(context: template.Context, article, price_minor: int) -> dict:
    request = context.get("request")
    reader = getattr(request, "user", None)
    if reader is None or not reader.is_authenticated:
        return {"shown": False}
    currency = currency_of(reader)
    progress = fair_price.progress(reader=reader, author_id=article.author_id, currency=currency)
    if progress is None:
        return {"shown": False}
    charge = min(price_minor, progress.left_minor)
    return {"shown": True, "author": article.author, "progress": progress, "charge": charge, "price": price_minor,
            "after_left": progress.left_minor - charge, "currency": currency}

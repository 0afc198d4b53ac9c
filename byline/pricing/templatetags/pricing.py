"""Prices in the reader's own currency, for templates: `{% price_of article %}`, `{% price_of plan as p %}`."""

from __future__ import annotations

from django import template

from byline.pricing.selectors import Price, article_price, plan_price, request_currency

register = template.Library()


@register.simple_tag(takes_context=True)
def price_of(context, thing) -> Price:
    """What an article or a membership plan costs the reader of this page, in their currency."""
    currency = request_currency(context.get("request"))
    if hasattr(thing, "interval"):
        return Price(plan_price(thing, currency), currency)
    return Price(article_price(thing, currency), currency)


@register.simple_tag(takes_context=True)
def reader_currency(context) -> str:
    return request_currency(context.get("request"))

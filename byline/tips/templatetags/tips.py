"""The tip box on an article page: the same for every reader with the same access answer (it is in the page
shell), since it names the writer, how many readers tipped and who, and a link to the tip page."""

from __future__ import annotations

from django import template

from byline.access.decision import Reason
from byline.tips import selectors

register = template.Library()


@register.inclusion_tag("tips/box.html", takes_context=True)
def tip_box(context: template.Context) -> dict:
    article, access = context["article"], context["access"]
    shown = (article.is_live and not context.get("anonymous_preview") and access.reason != Reason.AUTHOR
             and selectors.accepts_tips(article))
    if not shown:
        return {"shown": False}
    count = selectors.tippers_count(article)
    # After the full text the tip is the natural next step; beside a paywall the purchase keeps the emphasis.
    return {"shown": True, "article": article, "count": count, "reading": context.get("reading"),
            "emphasis": access.allowed,
            "names": selectors.named_tippers(article) if count else []}

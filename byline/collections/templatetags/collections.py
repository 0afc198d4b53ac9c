"""`{% collection_nav %}`: "Part 3 of 12" with the previous and next parts and the collection's card, the
same for every reader (stamp-level: the page shell and the anonymous page cache keep it; the services
forget those pages when the collection changes)."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from byline.collections.selectors import part_nav

register = template.Library()


@register.simple_tag(takes_context=True)
def collection_nav(context) -> SafeString:
    article = context.get("article")
    if article is None or not getattr(article, "pk", None):
        return mark_safe("")
    nav = part_nav(article)
    if nav is None:
        return mark_safe("")
    reading = context.get("reading")
    return mark_safe(render_to_string("collections/part_nav.html", {"nav": nav, "reading": reading}))

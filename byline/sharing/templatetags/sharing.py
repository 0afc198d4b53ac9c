"""The share panel and the share-card meta tags, for article pages (and gift pages)."""

from __future__ import annotations

from django import template
from django.urls import reverse

from byline.core import personal
from byline.sharing import selectors
from byline.sharing.personal import sharer

register = template.Library()

# What the panel's own template, its personal values and its gift slot read from the page.
_PASSED_ON = ("article", "request", "reading", "csrf_token", "meta", "access", "user", "anonymous_preview",
              personal.SHELL_FLAG)


@register.inclusion_tag("sharing/panel.html", takes_context=True)
def share_panel(context: template.Context) -> dict:
    """The panel's shared part; the reader's links and gift form are personal values and a slot, so
    a page shell holds the panel once for every reader."""
    article = context["article"]
    result = {name: context.get(name) for name in _PASSED_ON}
    if article.is_live:
        result["share"] = selectors.share_panel(article=article)
    return result


@register.simple_tag(takes_context=True)
def gift_terms(context: template.Context) -> selectors.GiftTerms | None:
    """The gift form's terms where the reader may give the article, else None."""
    may = selectors.may_give(article=context["article"], reader=sharer(context.get("request"), context),
                             access=context.get("access"))
    return selectors.GiftTerms() if may else None


@register.inclusion_tag("sharing/card_tags.html", takes_context=True)
def share_card_tags(context: template.Context) -> dict:
    article = context["article"]
    request = context.get("request")
    variant = context.get("share_image_variant") or "standard"
    # The writer's cover when there is one (always public: the studio refuses a locked-only image), else the
    # generated card.
    path = article.cover_url or reverse("share_image", kwargs={"slug": article.slug, "version": article.version,
                                                               "variant": variant})
    url = request.build_absolute_uri(path) if request is not None else path
    return {"image_url": url, "article": article, "live": article.is_live, "cover": bool(article.cover_url)}

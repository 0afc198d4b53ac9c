"""The share panel and the share-card meta tags, for article pages (and gift pages)."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from byline.sharing import selectors

register = template.Library()


@register.inclusion_tag("sharing/panel.html", takes_context=True)
def share_panel(context: template.Context) -> dict:
    article = context["article"]
    request = context.get("request")
    # The admin's "view as anonymous reader" must show exactly what an anonymous reader gets.
    reader = None if context.get("anonymous_preview") or request is None else request.user
    result = {"article": article, "request": request, "reading": context.get("reading"),
              "csrf_token": context.get("csrf_token")}
    if not article.is_live:
        return result
    result["share"] = selectors.share_panel(
        article=article, canonical_url=context["meta"].url, reader=reader, access=context.get("access"),
        qr_label=_("QR code for WeChat: %(title)s") % {"title": article.title},
    )
    return result


@register.inclusion_tag("sharing/card_tags.html", takes_context=True)
def share_card_tags(context: template.Context) -> dict:
    article = context["article"]
    request = context.get("request")
    variant = context.get("share_image_variant") or "standard"
    path = reverse("share_image", kwargs={"slug": article.slug, "version": article.version, "variant": variant})
    url = request.build_absolute_uri(path) if request is not None else path
    return {"image_url": url, "article": article, "live": article.is_live}

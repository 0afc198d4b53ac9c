from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from byline.audience.personal import follow_button

register = template.Library()


@register.simple_tag(takes_context=True)
def follow_box(context: template.Context, kind: str, target=None) -> str:
    """The follow button of an author's page ("author", author), a topic's ("topic", topic) or the home page
    ("site"): rendered whole per request for signed-in readers; the anonymous version is the same for everyone,
    so the public cache may keep it."""
    request = context.get("request")
    reader = getattr(request, "user", None)
    reader = reader if getattr(reader, "is_authenticated", False) else None
    return follow_button(reader, kind, target, context.get("csrf_token"), request.path if request else "")


@register.simple_tag(takes_context=True)
def audience_link(context: template.Context) -> str:
    """On the author's dashboard: the way to their subscribers and newsletter figures."""
    viewer = context.get("viewer")
    if viewer is None or getattr(viewer, "own", None) is None:
        return ""
    return format_html('<p class="dash-audience"><a href="{}">{}</a></p>', reverse("audience:subscribers"),
                       _("Your subscribers and newsletters"))

from __future__ import annotations

from django import template

from byline.audience.personal import follow_author_button

register = template.Library()


@register.simple_tag(takes_context=True)
def follow_author_box(context: template.Context, author) -> str:
    """The follow button on an author's page (rendered whole per request for signed-in readers; the
    anonymous version is the same for everyone, so the public cache may keep it)."""
    request = context.get("request")
    reader = getattr(request, "user", None)
    reader = reader if getattr(reader, "is_authenticated", False) else None
    return follow_author_button(reader, author, context.get("csrf_token"), request.path if request else "")

"""Personal values (byline/core/personal.py) for the shared page shell: the follow button on the article
page and the bell in the header. Both read the reader's state from the cache, so a page costs no query."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from byline.audience import selectors
from byline.audience.models import ListKind
from byline.core import personal


def _reader(request: HttpRequest | None, context: Mapping[str, Any]) -> Any:
    if request is None or context.get("anonymous_preview"):
        return None
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def _state_of(request: HttpRequest | None, reader: Any) -> tuple[frozenset[str], int]:
    """The reader's follows and unread count, read once per request: the page has both the follow button and
    the bell, and the entries read ahead are handed out once (core/read_ahead.py)."""
    return personal.per_request(request, "audience-state", lambda: selectors.audience_state(reader))


def follow_button(reader: Any, kind: str, target: Any, csrf_token: Any, next_path: str,
                  follows: frozenset[str] | None = None) -> str:
    """A Follow / Following form for a signed-in reader, a link to the e-mail subscription otherwise, for an
    author's, a topic's (`target` the Author or Topic) or the whole publication's list (`kind` "site", no
    target). The anonymous version is the same for everyone, so it may sit in a cached public page."""
    name = settings.SITE_NAME if kind == ListKind.SITE else target.name
    args = [] if kind == ListKind.SITE else [target.slug]
    if reader is None:
        # Back to this page after signing in or subscribing (its own path: the same for every anonymous reader).
        back = f"?{urlencode({'next': next_path})}" if next_path else ""
        return format_html(
            '<div class="follow-box"><a class="button" href="{}{}">{}</a></div>',
            reverse(f"audience:subscribe_{kind}", args=args), back,
            _("Follow %(name)s: new articles by e-mail") % {"name": name})
    if follows is None:
        follows = selectors.followed_lists(reader)
    following = (kind if kind == ListKind.SITE else f"{kind}:{target.pk}") in follows
    label = _("Following %(name)s (stop)") % {"name": name} if following else _("Follow %(name)s") % {"name": name}
    return format_html(
        '<form method="post" action="{}" class="follow-box inline-form">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<input type="hidden" name="action" value="{}"><input type="hidden" name="next" value="{}">'
        '<button type="submit" class="button" aria-pressed="{}">{}</button></form>',
        reverse(f"audience:follow_{kind}", args=args), str(csrf_token or ""),
        "unfollow" if following else "follow", next_path, "true" if following else "false", label)


@personal.register("follow-author")
def follow_author(request: HttpRequest | None, context: Mapping[str, Any]) -> str:
    article = context["article"]
    next_path = request.path if request is not None else article.get_absolute_url()
    reader = _reader(request, context)
    follows = _state_of(request, reader)[0] if reader is not None else None
    return follow_button(reader, ListKind.AUTHOR, article.author, context.get("csrf_token"), next_path, follows)


@personal.register("notification-bell")
def notification_bell(request: HttpRequest | None, context: Mapping[str, Any]) -> str:
    reader = _reader(request, context)
    if reader is None:
        return ""
    unread = _state_of(request, reader)[1]
    if unread:
        label = _("Notifications (%(n)s unread)") % {"n": unread}
        return format_html('<a href="{}" class="bell" data-testid="bell">{}</a>', reverse("audience:notifications"),
                           label)
    return format_html('<a href="{}" class="bell" data-testid="bell">{}</a>', reverse("audience:notifications"),
                       _("Notifications"))

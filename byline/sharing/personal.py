"""The share panel's personal values (byline/core/personal.py): the reader's own links and QR code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from byline.articles.presentation import canonical_url
from byline.core import personal
from byline.sharing import selectors
from byline.sharing.services import gifts_left_for_display


def sharer(request: HttpRequest | None, context: Mapping[str, Any]) -> Any:
    """Whose referral codes the panel carries. The admin's "view as anonymous reader" must show
    exactly what an anonymous reader gets."""
    return None if context.get("anonymous_preview") or request is None else request.user


def _links(request: HttpRequest | None, context: Mapping[str, Any]) -> selectors.ShareLinks:
    article = context["article"]
    return personal.per_request(request, f"share-links:{article.pk}", lambda: selectors.share_links(
        canonical_url=canonical_url(article, request), reader=sharer(request, context),
        qr_label=_("QR code for WeChat: %(title)s") % {"title": article.title}))


@personal.register("share-url")
def share_url(request: HttpRequest | None, context: Mapping[str, Any]) -> str:
    return _links(request, context).url


@personal.register("share-native-url")
def share_native_url(request: HttpRequest | None, context: Mapping[str, Any]) -> str:
    return _links(request, context).native_url


@personal.register("share-qr")
def share_qr(request: HttpRequest | None, context: Mapping[str, Any]) -> str:
    return _links(request, context).qr


def _gifts_left(request: HttpRequest | None, context: Mapping[str, Any]) -> int:
    return personal.per_request(request, "gifts-left",
                                lambda: gifts_left_for_display(giver=sharer(request, context)))


@personal.register("gifts-left")
def gifts_left(request: HttpRequest | None, context: Mapping[str, Any]) -> str:
    left = _gifts_left(request, context)
    return ngettext("You have %(n)s gift link left this month.", "You have %(n)s gift links left this month.",
                    left) % {"n": left}


@personal.register("gift-button")
def gift_button(request: HttpRequest | None, context: Mapping[str, Any]) -> str:
    if not _gifts_left(request, context):
        return ""
    return format_html('<button type="submit" class="button">{}</button>', _("Create a gift link"))

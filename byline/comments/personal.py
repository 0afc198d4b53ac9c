"""The reader's own parts of the comments on a shared article page: whose name the form writes under, and
"change"/"delete" beside their own comments. Values, not slots: no template is rendered per request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from byline.articles import page_cache
from byline.comments import selectors
from byline.comments.services import edit_deadline_of
from byline.core import personal


def _reader(request: HttpRequest | None):
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


@personal.register("comment-as")
def comment_as(request: HttpRequest | None, context: Mapping[str, Any]) -> str:
    reader = _reader(request)
    if reader is None:
        return ""
    return _("You comment as %(name)s.") % {"name": reader.get_full_name() or reader.username}


def _parsed(argument: str) -> tuple[int, bool] | None:
    """(comment id, whether the list is featured-only) from a marker's argument: "12" or "f12"."""
    featured_only = argument.startswith("f")
    digits = argument[1:] if featured_only else argument
    return (int(digits), featured_only) if digits.isascii() and digits.isdigit() else None


def _owners(request: HttpRequest | None, article, featured_only: bool):
    return personal.per_request(request, f"comment-owners:{article.pk}:{featured_only}", lambda: selectors.owners(
        article=article, generation=page_cache.parts_generation_of(request, article), featured_only=featured_only))


@personal.register_with_argument("comment-own")
def own_controls(request: HttpRequest | None, context: Mapping[str, Any], argument: str) -> str:
    reader = _reader(request)
    parsed = _parsed(argument)
    if reader is None or parsed is None:
        return ""
    article = context["article"]
    comment_id, featured_only = parsed
    owners = _owners(request, article, featured_only)
    owner = owners.get(comment_id)
    if owner is None or owner[0] != reader.pk:
        return ""
    delete = format_html('<a href="{}">{}</a>', reverse("comments:delete", args=[comment_id]), _("Delete"))
    if timezone.now() <= edit_deadline_of(owner[1]):
        return format_html('<a href="{}">{}</a> {}', reverse("comments:edit", args=[comment_id]), _("Change"),
                           delete)
    return delete


_ANY_ID = 987654321987  # in the like URL reversed once per page, replaced by each comment's id


@personal.register_with_argument("comment-like")
def like_button(request: HttpRequest | None, context: Mapping[str, Any], argument: str) -> str:
    """"Like" (a form: it works without JavaScript) or "You like this" beside a comment the page shows. The
    shared list shows only comments this reader's access answer may read, so the button may be offered."""
    reader = _reader(request)
    parsed = _parsed(argument)
    if reader is None or parsed is None:
        return ""
    article = context["article"]
    liked = personal.per_request(request, f"comment-liked:{article.pk}", lambda: selectors.liked_by(
        article=article, generation=page_cache.parts_generation_of(request, article), reader=reader))
    comment_id, featured_only = parsed
    owners = _owners(request, article, featured_only)
    if owners.get(comment_id, (None,))[0] == reader.pk:
        return ""  # one's own comment: nothing to like
    if comment_id in liked:
        return format_html(
            '<span class="comment-liked">{}</span> <form method="post" action="{}" class="comment-like">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}"><button type="submit" '
            'class="button button-small">{}</button></form>',
            _("You like this"), reverse("comments:unlike", args=[comment_id]), get_token(request), _("Unlike"))
    return format_html(
        '<form method="post" action="{}" class="comment-like"><input type="hidden" name="csrfmiddlewaretoken" '
        'value="{}"><button type="submit" class="button button-small">{}</button></form>',
        personal.per_request(request, "comment-like-url", lambda: reverse("comments:like", args=[_ANY_ID]))
        .replace(str(_ANY_ID), str(comment_id)),  # one reverse() per page, not one per comment
        # One masked token for all the page's buttons: masking one costs 32 random draws, and a page with 200
        # comments spent most of its time on them (bench/pages.py).
        personal.per_request(request, "csrf-token", lambda: get_token(request)), _("Like"))

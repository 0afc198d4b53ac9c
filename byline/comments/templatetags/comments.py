"""The comments under an article page. Everything here depends only on the article, its parts generation,
the access answer and whether the reader moderates (author or staff): all named in the page-shell key
(pages/page_shell.py) and, for anonymous readers, in the page-cache key. What is the reader's own is a
personal value (byline/comments/personal.py)."""

from __future__ import annotations

from django import template

from byline.access.decision import Reason
from byline.articles import page_cache
from byline.comments import selectors
from byline.comments.models import Policy

register = template.Library()

_PASSED_ON = ("article", "request", "reading", "csrf_token", "access", "user", "page_shell")


@register.inclusion_tag("comments/section.html", takes_context=True)
def comment_section(context: template.Context) -> dict:
    article, access = context["article"], context["access"]
    request = context.get("request")
    result = {name: context.get(name) for name in _PASSED_ON}
    if not article.is_live or context.get("anonymous_preview"):
        result["hidden"] = True
        return result
    user = getattr(request, "user", None)
    signed_in = bool(getattr(user, "is_authenticated", False))
    # Both are named in the shell key: the access reason (author) and staff-or-not.
    moderator = access.reason == Reason.AUTHOR or (signed_in and user.is_staff)
    policy = selectors.policy_of(article)
    view = selectors.comments_for(article=article, access=access, moderator=moderator)
    if signed_in:
        selectors.remember_owners(article=article, generation=page_cache.parts_generation_of(request, article),
                                  view=view)
    result.update({
        "view": view,
        "policy": policy, "Policy": Policy, "moderator": moderator, "signed_in": signed_in,
        "may_comment": selectors.policy_allows(policy, reader=user, access=access),
    })
    return result


def _argument(comment, featured_only: bool) -> str:
    # "f<id>" on a featured-only list: the personal values then read the owners of featured comments only.
    return f"f{comment.pk}" if featured_only else str(comment.pk)


@register.simple_tag
def own_marker(comment, featured_only: bool = False) -> str:
    return f"comment-own.{_argument(comment, featured_only)}"


@register.simple_tag
def like_marker(comment, featured_only: bool = False) -> str:
    return f"comment-like.{_argument(comment, featured_only)}"


@register.filter
def writer_name(user) -> str:
    return user.get_full_name() or user.username

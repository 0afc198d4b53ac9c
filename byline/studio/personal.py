"""The header's "Write" link: shown per request to authors only, also on a shared article-page shell."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext

from byline.accounts.backends import forget_user
from byline.core import personal


def is_author(user: Any) -> bool:
    """Whether `user` writes here. The signed-in row comes from the cache with its Author profile
    (accounts.backends.USER_RELATED), so this asks the database nothing."""
    return bool(getattr(user, "is_authenticated", False)) and hasattr(user, "author")


@personal.register("write-link")
def write_link(request, context) -> str:
    user = getattr(request, "user", None) if request is not None else context.get("user")
    if not is_author(user):
        return ""
    return format_html('<li><a href="{}" class="header-write">{}</a></li>', reverse("studio:index"), gettext("Write"))


def forget_authors_user(sender: Any, instance: Any, **kwargs: Any) -> None:
    forget_user(sender, instance.user)

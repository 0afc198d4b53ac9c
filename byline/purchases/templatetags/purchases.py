"""Small helpers for money pages: a fresh idempotency key, the space between sentences, dates and amounts kept
on one line. The paywall's offer (balance, price, card charge) is `payments`' tag library."""

from __future__ import annotations

import uuid

from django import template
from django.utils.translation import get_language

from byline.core.unbroken import unbroken as unbroken_text
from byline.core.unbroken import unbroken_day

register = template.Library()


@register.simple_tag
def new_key() -> str:
    return uuid.uuid4().hex


@register.simple_tag
def sentence_space() -> str:
    """What goes between two sentences put side by side: a space, but none after a Chinese full stop (。)."""
    return "" if (get_language() or "").startswith("zh") else " "


@register.filter
def unbroken(text) -> str:
    """A date or amount kept on one line (`core.unbroken.unbroken`)."""
    return unbroken_text(str(text))


@register.filter
def day(moment) -> str:
    """A date as the language writes it ("Jan. 3, 2027", "2027年1月3日"), never broken across lines."""
    return unbroken_day(moment) if moment else ""

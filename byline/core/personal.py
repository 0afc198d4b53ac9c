"""Personal values: short strings on a shared page that differ from reader to reader (a referral link), and
the markers a shared page shell holds in their place (and in place of slots and the CSRF token).

A template writes `{% personal_value "name" %}`. On a page rendered whole, the registered function
runs there and then; in a shared page shell (pages/page_shell.py) the tag leaves a marker, and the
function runs for each request when the shell is filled. Unlike a `{% personal %}` slot, no template
is rendered for a value, so a handful of them cost next to nothing per request.

A function takes (request or None, the page's context) and returns text, which is escaped unless
marked safe. The context carries `csrf_token` on both paths, one token for the whole page. Apps
register theirs in their AppConfig.ready, so a shell fetched from the shared cache can be filled in a
process that has not rendered it.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

PersonalValue = Callable[[HttpRequest | None, Mapping[str, Any]], str]

# In a template's context while a shared page shell is rendered: `{% personal %}` and `{% personal_value %}`
# leave markers instead of rendering, and `csrf_token` is a marker. The one name for it everywhere.
SHELL_FLAG = "page_shell"


@dataclass(frozen=True)
class Marks:
    """The markers a shell holds where a slot, a value or the CSRF token goes. Keyed by SECRET_KEY, and
    shaped as HTML comments: escaped text cannot hold `<!--`, and sanitised HTML keeps no comments, so no
    text an author or reader writes can pass for one."""

    slot_prefix: str
    value_prefix: str
    csrf: str
    pattern: re.Pattern[str]  # any marker: group 1 the kind (slot, value, csrf), group 2 the name


@functools.cache
def _marks(secret: str) -> Marks:
    digest = hmac.new(secret.encode(), b"byline-page-shell", hashlib.sha256).hexdigest()[:20]
    return Marks(slot_prefix=f"<!--byline-slot-{digest}:", value_prefix=f"<!--byline-value-{digest}:",
                 csrf=f"<!--byline-csrf-{digest}-->",
                 pattern=re.compile(rf"<!--byline-(slot|value|csrf)-{digest}(?::([\w/.-]+))?-->"))


def marks() -> Marks:
    return _marks(settings.SECRET_KEY)


def slot_marker(template_name: str) -> SafeString:
    return mark_safe(f"{marks().slot_prefix}{template_name}-->")


def value_marker(name: str) -> SafeString:
    return mark_safe(f"{marks().value_prefix}{name}-->")


def csrf_marker() -> SafeString:
    """What `csrf_token` is while a shell renders: `{% csrf_token %}` and `{{ csrf_token }}` print it as is."""
    return mark_safe(marks().csrf)

VALUES: dict[str, PersonalValue] = {}
# Values about one thing among many on the page (a comment): written `{% personal_value "name.argument" %}`,
# called as function(request, context, argument).
VALUES_WITH_ARGUMENT: dict[str, Callable[[HttpRequest | None, Mapping[str, Any], str], str]] = {}


def register(name: str) -> Callable[[PersonalValue], PersonalValue]:
    def decorate(function: PersonalValue) -> PersonalValue:
        VALUES[name] = function
        return function
    return decorate


def register_with_argument(name: str):
    def decorate(function):
        VALUES_WITH_ARGUMENT[name] = function
        return function
    return decorate


def render_value(name: str, request: HttpRequest | None, context: Mapping[str, Any]) -> str:
    if name in VALUES:
        return conditional_escape(VALUES[name](request, context))
    base, _dot, argument = name.partition(".")
    return conditional_escape(VALUES_WITH_ARGUMENT[base](request, context, argument))


def per_request(request: HttpRequest | None, key: str, compute: Callable[[], Any]) -> Any:
    """`compute()` once per request, for values that several personal values are cut from."""
    if request is None:
        return compute()
    memo = request.__dict__.setdefault("_byline_personal", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]

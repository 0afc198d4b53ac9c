"""Personal values: short strings on a shared page that differ from reader to reader (a referral link).

A template writes `{% personal_value "name" %}`. On a page rendered whole, the registered function
runs there and then; in a shared page shell (articles/page_shell.py) the tag leaves a marker, and the
function runs for each request when the shell is filled. Unlike a `{% personal %}` slot, no template
is rendered for a value, so a handful of them cost next to nothing per request.

A function takes (request or None, the page's context) and returns text, which is escaped unless
marked safe. The context carries `csrf_token` on both paths, one token for the whole page. Apps
register theirs in their AppConfig.ready, so a shell fetched from the shared cache can be filled in a
process that has not rendered it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.http import HttpRequest
from django.utils.html import conditional_escape

PersonalValue = Callable[[HttpRequest | None, Mapping[str, Any]], str]

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

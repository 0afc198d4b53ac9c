"""Headers every response carries, and the refusal of input the database cannot take."""

from __future__ import annotations

import logging
from collections.abc import Callable
from itertools import chain

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from byline.core.inputs import has_unstorable, view_reports_unstorable_text

logger = logging.getLogger("byline.core")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
UNREADABLE = "The request holds a NUL character or an unpaired surrogate."


class BadInputMiddleware:
    """Refuse, once and before anything reads it, text no database column can hold.

    A NUL or an unpaired surrogate in the path, a query parameter or a form field (name or value) answers
    400 through the project's handler400 (`core.errors.bad_request`: a page, or problem JSON under /api/).
    Form fields are looked at once the view is known (`process_view`, still before any view code): a view
    marked `core.inputs.reports_unstorable_text` (the article editor, whose form names the line) gets its
    post and re-renders with the error. A cookie holding one is dropped instead, as if the browser had not
    sent it: a stray cookie must not lock a browser out of every page. JSON bodies are the API's to check
    (its schemas normalise text, which refuses both). A number too big for the database, which SQLite's
    driver refuses with OverflowError (PostgreSQL's matches nothing), is bad input too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cookies = request.COOKIES
        if cookies and has_unstorable("".join(chain.from_iterable(cookies.items()))):  # one scan for the common case
            request.COOKIES = {name: value for name, value in cookies.items()
                               if not has_unstorable(name) and not has_unstorable(value)}
        if has_unstorable(request.path_info):
            raise BadRequest(UNREADABLE)
        if request.META.get("QUERY_STRING") and _has_unstorable_field(request.GET):
            raise BadRequest(UNREADABLE)
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Callable[..., HttpResponse], args, kwargs) -> None:
        if (request.method == "POST" and request.content_type in FORM_TYPES and not view_reports_unstorable_text(view)
                and _has_unstorable_field(request.POST)):
            raise BadRequest(UNREADABLE)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OverflowError):
            logger.warning("%s %s: a number too large for the database (%s)", request.method, request.path, exception)
            raise BadRequest("A number in the request is too large.") from exception
        return None


def _has_unstorable_field(data) -> bool:
    return any(has_unstorable(name) or any(has_unstorable(value) for value in values)
               for name, values in data.lists())


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy; personalised responses are never publicly cached."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(self)"
        )
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response.headers:
            patch_cache_control(response, private=True, no_cache=True)
        return response

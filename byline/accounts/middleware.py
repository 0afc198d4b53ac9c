"""Keeps the reader-hint cookie (accounts/backends.py) in step with who is signed in."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from byline.accounts.backends import READER_HINT_COOKIE, cache_name


class ReaderHintMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = _user_if_known(request)
        held = request.COOKIES.get(READER_HINT_COOKIE)
        if user is not None and user.is_authenticated:
            name = cache_name(user.pk)
            if held != name:
                response.set_cookie(READER_HINT_COOKIE, name, max_age=settings.SESSION_COOKIE_AGE,
                                    secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax")
        elif held is not None and (user is not None or settings.SESSION_COOKIE_NAME not in request.COOKIES):
            response.delete_cookie(READER_HINT_COOKIE, samesite="Lax")
        return response


def _user_if_known(request: HttpRequest):
    """The request's user if the request already looked it up (or signed someone in or out): this
    middleware never costs a lookup of its own."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        return None if user._wrapped is empty else user._wrapped
    return user

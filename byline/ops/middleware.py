"""Turns a lost database connection during a view into a clean 503 (see `unavailable`)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from byline.ops.unavailable import is_database_unavailable, unavailable_response


class DatabaseUnavailableMiddleware:
    """Views that hit OperationalError / InterfaceError answer 503 with Retry-After.

    Errors raised by other middleware (a session saved after the view) reach `views.server_error`,
    the project's handler500, which answers the same way.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_unavailable(exception):
            return unavailable_response(request, exception)
        return None

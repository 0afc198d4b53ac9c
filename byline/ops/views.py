"""The health endpoint and the error handlers for bad requests and server errors."""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from byline.ops import health
from byline.ops.unavailable import is_database_unavailable, unavailable_response


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with {"status": "ok" | "degraded", "checks": {...}}, or 503 when the database is down."""
    status, body = health.report()
    return JsonResponse(body, status=status)


BAD_REQUEST_DETAIL = ("Byline cannot read this request: it holds a NUL character, an unpaired surrogate, a number "
                      "too large, or too many fields.")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: problem JSON under /api/, else the site's page in the language the address names.

    It may run before any middleware (core.middleware.BadInputMiddleware refuses first), so it reads
    neither the session nor the user, and repeats nothing of the request but the language."""
    if request.path_info.startswith("/api/"):
        from byline.api.problems import problem_response

        return problem_response(None, 400, BAD_REQUEST_DETAIL)
    language = translation.get_language_from_path(request.path_info) or translation.get_language()
    with translation.override(language):
        return render(request, "400.html", status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database outage anywhere in the request answers 503 with Retry-After."""
    error = sys.exc_info()[1]
    if is_database_unavailable(error):
        return unavailable_response(request, error)
    return defaults.server_error(request)

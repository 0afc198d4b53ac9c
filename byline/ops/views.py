"""The health endpoint and the server-error handler."""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
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


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database outage anywhere in the request answers 503 with Retry-After."""
    error = sys.exc_info()[1]
    if is_database_unavailable(error):
        return unavailable_response(request, error)
    return defaults.server_error(request)

"""The answer when the database cannot be reached: 503, Retry-After, a plain page in the reader's
language, no stack trace. Rendering it touches neither the database nor the session."""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger("byline.ops")

RETRY_AFTER_S = 15
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def is_database_unavailable(error: BaseException | None) -> bool:
    return isinstance(error, DATABASE_UNAVAILABLE)


def unavailable_response(request: HttpRequest, error: BaseException) -> HttpResponse:
    logger.warning("database unavailable: %s %s answered 503 (%s)", request.method, request.path,
                   type(error).__name__)
    content = render_to_string("ops/unavailable.html", {"retry_after_s": RETRY_AFTER_S})
    response = HttpResponse(content, status=503)
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    response.headers["Cache-Control"] = "no-store"
    return response

"""RFC 9457 problem details: every error the API answers is `application/problem+json`.

Validation errors answer 422 (never 400) with an `errors` list of {loc, msg, type}; the other
members are `type`, `title`, `status`, `detail` and `instance`.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"
VALIDATION_STATUS = 422
logger = logging.getLogger("byline.api")


class ApiProblem(Exception):
    """Raised by endpoints to answer a problem; the handler turns it into problem JSON."""

    def __init__(self, status: int, detail: str, *, headers: dict[str, str] | None = None,
                 errors: list[dict[str, Any]] | None = None, extra: dict[str, Any] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}
        self.errors = errors
        self.extra = extra or {}


def problem_response(
    request: HttpRequest | None, status: int, detail: str, *,
    errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """The problem document; `extra` adds extension members (RFC 9457 section 3.2), such as `required_scope`."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": str(detail),
    }
    if request is not None:
        body["instance"] = request.path
    if errors is not None:
        body["errors"] = errors
    body.update(extra or {})
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def is_problem(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE)


def _plain(value: Any) -> Any:
    """JSON-safe copy of a pydantic error's parts (its `ctx` may hold exceptions)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return str(value)


def validation_errors(raw_errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"loc": _plain(list(error.get("loc", []))), "msg": _plain(error.get("msg", "")),
         "type": _plain(error.get("type", ""))}
        for error in raw_errors
    ]

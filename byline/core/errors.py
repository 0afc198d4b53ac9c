"""The error pages a reader can meet, in the site's design and the reader's language, each with a way on.

Django's contract is kept: 400 and 500 render without the request (`bare.html`: no context processors,
no database, no session), because what failed may be exactly those. 403, 404, 429 and a failed CSRF check
render inside the full page (`base.html`), with the reader's header, reading mode and language.
"""

from __future__ import annotations

import json
import math

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token

# The shape of byline.api.problems (this module sits below the API and cannot import it).
PROBLEM_CONTENT_TYPE = "application/problem+json"
BAD_REQUEST_DETAIL = ("Byline cannot read this request: it holds a NUL character, an unpaired surrogate, a number "
                      "too large, or too many fields.")


class Refused(PermissionDenied):
    """A 403 whose message was written for the reader: the 403 page shows it. Any other
    PermissionDenied shows only the page's general wording, so no internal detail reaches a reader."""


def _no_store(response: HttpResponse) -> HttpResponse:
    response.headers["Cache-Control"] = "no-store"
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400, also for SuspiciousOperation (a forged Host header) and for what `core.middleware.BadInputMiddleware`
    refuses before any other middleware ran: the request itself is not to be trusted. Under /api/ the answer is
    problem JSON like the rest of the Content API's; a page speaks the language its address names."""
    if request.path_info.startswith("/api/"):
        body = {"type": "about:blank", "title": "Bad Request", "status": 400, "detail": BAD_REQUEST_DETAIL}
        return _no_store(HttpResponse(json.dumps(body), status=400, content_type=PROBLEM_CONTENT_TYPE))
    with translation.override(translation.get_language_from_path(request.path_info) or translation.get_language()):
        return _no_store(HttpResponse(loader.render_to_string("400.html"), status=400))


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403."""
    message = str(exception) if isinstance(exception, Refused) else ""
    return _no_store(render(request, "403.html", {"message": message}, status=403))


@requires_csrf_token
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: almost always a form left open too long, or cookies turned off; never a reason to
    show Django's technical page. The way back is the page that held the form, when the browser named it
    and it is on this site."""
    referer = request.headers.get("Referer", "")
    back = referer if url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                                      require_https=request.is_secure()) else ""
    return _no_store(render(request, "403_csrf.html", {"back": back}, status=403))


def too_many_requests(request: HttpRequest, *, retry_after_s: int, message: str = "") -> HttpResponse:
    """A 429 page for an HTML view that limits a reader (the API answers problem JSON instead).
    `message` (already translated) says what was limited; the page adds when to try again."""
    response = render(request, "429.html", {
        "message": message, "wait_seconds": retry_after_s, "wait_minutes": math.ceil(retry_after_s / 60),
    }, status=429)
    response.headers["Retry-After"] = str(retry_after_s)
    return _no_store(response)


def rate_limited(request: HttpRequest) -> HttpResponse:
    """`handler429` in the URLconf: what django-allauth answers when its rate limits refuse (sign-in codes,
    sign-ups, e-mail changes); its limits are per minute."""
    return too_many_requests(request, retry_after_s=60)

"""What every Content API request goes through before and after its endpoint.

Before: parse the bearer token (a malformed header is a 401, never silently anonymous),
count the request against the per-address and per-token rate limits, resolve the reader
(token owner, else the session's user, else anonymous) and, for a session-authenticated
unsafe method, check CSRF. After: turn any non-problem error (Django's 404, ninja's 405) into
problem JSON, and mark the caching: private for a signed-in reader, public and short for
anonymous ones.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.cache import patch_cache_control, patch_vary_headers

from byline.api import ratelimit, selectors, services
from byline.api.problems import ApiProblem, is_problem, problem_response

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
BEARER = re.compile(r"^Bearer +([A-Za-z0-9._~+/=-]+) *$", re.IGNORECASE)
ANONYMOUS_MAX_AGE = 60
WWW_AUTHENTICATE = 'Bearer realm="byline"'


def _bearer_token(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    match = BEARER.match(header)
    if match is None:
        raise ApiProblem(401, "The Authorization header must be “Bearer <token>”.",
                         headers={"WWW-Authenticate": WWW_AUTHENTICATE})
    return match.group(1)


def _csrf_failure(request: HttpRequest) -> HttpResponse | None:
    return CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, None, (), {})


def _resolve_reader(request: HttpRequest, raw_token: str | None) -> None:
    request.api_token = None
    if raw_token is not None:
        token = selectors.active_token(raw_token)
        if token is None:
            raise ApiProblem(401, "This token is not valid, or it has been revoked.",
                             headers={"WWW-Authenticate": WWW_AUTHENTICATE})
        services.record_token_use(token=token)
        request.api_token = token
        request.reader = token.owner
        return
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active:
        if request.method not in SAFE_METHODS and _csrf_failure(request) is not None:
            raise ApiProblem(403, "A session-authenticated change needs the CSRF token (X-CSRFToken header); "
                                  "or use a personal API token.")
        request.reader = user
        return
    request.reader = AnonymousUser()


def _finish(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if response.status_code >= 400 and not is_problem(response):
        allow = response.get("Allow")
        detail = "This method is not allowed here." if response.status_code == 405 else "Not found."
        response = problem_response(request, response.status_code, detail, headers={"Allow": allow} if allow else None)
    patch_vary_headers(response, ["Authorization", "Cookie"])
    if is_problem(response):
        return response
    reader = getattr(request, "reader", None)
    if reader is not None and reader.is_authenticated:
        patch_cache_control(response, private=True, no_cache=True)
    elif request.method in ("GET", "HEAD") and response.status_code == 200:
        patch_cache_control(response, public=True, max_age=ANONYMOUS_MAX_AGE)
    return response


def api_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap one of the API's URL views with authentication, rate limits and problem answers."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            raw_token = _bearer_token(request)
        except ApiProblem as problem:
            raw_token, early = None, problem
        else:
            early = None
        wait = ratelimit.over_limit(request, raw_token)
        if wait is not None:
            return _finish(request, problem_response(
                request, 429, f"Too many requests; try again in {wait} seconds.", headers={"Retry-After": str(wait)}))
        try:
            if early is not None:
                raise early
            _resolve_reader(request, raw_token)
        except ApiProblem as problem:
            return _finish(request, problem_response(request, problem.status, problem.detail, headers=problem.headers))
        return _finish(request, view(request, *args, **kwargs))

    return wrapped


def not_found(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return problem_response(request, 404, "There is no such API endpoint. See /api/v1/docs.")

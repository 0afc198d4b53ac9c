import functools

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

FAVICON = settings.BASE_DIR / "byline" / "static" / "byline" / "favicon.ico"


@require_GET
@cache_control(public=True, max_age=3600)
def robots_txt(request: HttpRequest) -> HttpResponse:
    return render(request, "robots.txt", content_type="text/plain")


@functools.cache
def _favicon_bytes() -> bytes:
    return FAVICON.read_bytes()


@require_GET
@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon_ico(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, where browsers and feed readers look whatever a page links: the same icon as
    the pages' static favicon (scripts/make_favicon.py draws both). Its address never changes, so it is
    cached for a week rather than for good."""
    return HttpResponse(_favicon_bytes(), content_type="image/x-icon")

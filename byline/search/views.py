"""The search page: a plain GET form, results with highlighted snippets, and pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET

from byline.core.inputs import ascii_int
from byline.search.ratelimit import search_wait
from byline.search.selectors import PAGE_SIZE, extra_results, search_articles
from byline.search.terms import MAX_QUERY_CHARS

MAX_PAGE = 50


def _page_number(raw: str) -> int:
    page = ascii_int(raw, max_digits=3)
    return page if page is not None and 0 < page <= MAX_PAGE else 1


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").replace("\x00", "")[:MAX_QUERY_CHARS].strip()
    page = _page_number(request.GET.get("page", "1"))
    results = None
    wait = search_wait(request, request.user) if query else None
    if query and wait is None:
        results = search_articles(reader=request.user, query=query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    context = {
        "query": query,
        "results": results,
        "also": extra_results(query) if results is not None and page == 1 else [],
        "wait": wait,
        "page": page,
        "previous_page": page - 1 if page > 1 else None,
        "next_page": page + 1 if results is not None and results.has_next and page < MAX_PAGE else None,
    }
    response = render(request, "search/search.html", context, status=429 if wait else 200)
    patch_vary_headers(response, ["Cookie"])
    if wait:
        response["Retry-After"] = str(wait)
        patch_cache_control(response, private=True, no_store=True)
    elif request.user.is_authenticated:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(response, public=True, max_age=60)
    return response

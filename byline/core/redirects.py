"""Where a page may send the reader next: a `next` address the request carries, if it stays on this site."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, fallback: str = "") -> str:
    """The `next` of the POST or the query string when it is a path (from the root) or URL of this site (never
    an open redirect: another host, another scheme, `//host` and `javascript:` all give `fallback`; nor a bare
    word such as "²", which `redirect()` would try to look up as a view name)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") or "://" in target:
        if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
            return target
    return fallback

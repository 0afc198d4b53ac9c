"""The reader's API access page: personal API tokens and the private feed address.

A new secret is shown once: it is kept in the (server-side) session for the next page view
only, never stored in the clear.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from byline.api import selectors, services
from byline.api.forms import NewTokenForm

NEW_TOKEN_KEY = "api-new-token"
NEW_FEED_KEY = "api-new-feed-secret"


def _page(request: HttpRequest, form: NewTokenForm, status: int = 200) -> HttpResponse:
    feed_secret = request.session.pop(NEW_FEED_KEY, None)
    context = {
        "form": form,
        "tokens": selectors.tokens_of(owner=request.user),
        "new_token": request.session.pop(NEW_TOKEN_KEY, None),
        "has_private_feed": selectors.has_private_feed(owner=request.user),
        "new_feed_url": request.build_absolute_uri(reverse("private_feed", args=[feed_secret]))
        if feed_secret else None,
        "docs_url": "/api/v1/docs",
    }
    response = render(request, "api/access.html", context, status=status)
    patch_cache_control(response, private=True, no_store=True)
    return response


def _token_form(request: HttpRequest, data=None) -> NewTokenForm:
    return NewTokenForm(data, can_write=selectors.writes_articles(owner=request.user))


@login_required
@require_GET
def access(request: HttpRequest) -> HttpResponse:
    return _page(request, _token_form(request))


@login_required
@require_POST
def create_token(request: HttpRequest) -> HttpResponse:
    form = _token_form(request, data=request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        _token, raw = services.create_api_token(owner=request.user, name=form.cleaned_data["name"],
                                                scopes=form.cleaned_data["scopes"])
    except services.TooManyTokens:
        form.add_error(None, _("You have too many active tokens. Revoke one first."))
        return _page(request, form, status=400)
    request.session[NEW_TOKEN_KEY] = raw
    return redirect("api_access:access")


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    if services.revoke_api_token(owner=request.user, token_id=token_id):
        messages.success(request, _("The token is revoked; it no longer works."))
    return redirect("api_access:access")


@login_required
@require_POST
def rotate_feed(request: HttpRequest) -> HttpResponse:
    request.session[NEW_FEED_KEY] = services.rotate_private_feed_key(owner=request.user)
    return redirect("api_access:access")


@login_required
@require_POST
def revoke_feed(request: HttpRequest) -> HttpResponse:
    services.revoke_private_feed_key(owner=request.user)
    messages.success(request, _("Your private feed address no longer works."))
    return redirect("api_access:access")

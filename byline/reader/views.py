"""Switching reading modes and setting accessibility preferences, all as plain links and forms."""

from __future__ import annotations

from dataclasses import replace

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from byline.reader import prefs


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@require_http_methods(["GET", "POST"])
def switch_mode(request: HttpRequest, mode: str) -> HttpResponse:
    """Enter or leave the caring version, then return to the page the reader was on."""
    response = HttpResponseRedirect(_safe_next(request, reverse("articles:home")))
    prefs.store(response, prefs.with_mode(request.reading, mode))
    response.headers["X-Robots-Tag"] = "noindex"
    return response


class PreferencesForm(forms.Form):
    zoom = forms.TypedChoiceField(
        label=_("Text size"), coerce=int,
        choices=[(z, f"{z}%") for z in prefs.ZOOMS],
    )
    scheme = forms.ChoiceField(
        label=_("Colour scheme"),
        choices=[
            ("standard", _("Standard")),
            ("contrast", _("High contrast")),
            ("dark", _("Dark")),
            ("yellow", _("Yellow on black")),
        ],
    )
    big_cursor = forms.BooleanField(label=_("Large cursor"), required=False)
    guide = forms.BooleanField(label=_("Reading guide line"), required=False)
    captions = forms.BooleanField(label=_("Large caption bar"), required=False)
    text_only = forms.BooleanField(label=_("Text-only view"), required=False)


@require_http_methods(["GET", "POST"])
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessible-browsing settings as a form: the toolbar's no-JavaScript twin."""
    current = request.reading
    if request.method == "POST":
        if "reset" in request.POST:
            response = HttpResponseRedirect(_safe_next(request, reverse("reader:accessibility")))
            prefs.store(response, replace(prefs.DEFAULT, mode=current.mode))
            return response
        form = PreferencesForm(request.POST)
        if form.is_valid():
            response = HttpResponseRedirect(_safe_next(request, reverse("reader:accessibility")))
            prefs.store(response, replace(current, **form.cleaned_data))
            return response
    else:
        form = PreferencesForm(initial={
            "zoom": current.zoom, "scheme": current.scheme, "big_cursor": current.big_cursor,
            "guide": current.guide, "captions": current.captions, "text_only": current.text_only,
        })
    return render(request, "reader/accessibility.html", {"form": form, "next": _safe_next(request, "")})

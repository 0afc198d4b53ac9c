"""Switching reading modes and setting accessibility preferences, all as plain links and forms."""

from __future__ import annotations

from dataclasses import replace

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from byline.access.decision import Access, decide
from byline.access.selectors import article_for_reader
from byline.articles.models import Article
from byline.core.redirects import safe_next
from byline.reader import prefs, read_aloud
from byline.sharing.grants import grant_from_request


@require_http_methods(["GET", "POST"])
def switch_mode(request: HttpRequest, mode: str) -> HttpResponse:
    """Enter or leave the caring version, then return to the page the reader was on."""
    response = HttpResponseRedirect(safe_next(request, reverse("articles:home")))
    prefs.store(response, prefs.with_mode(request.reading, mode))
    response.headers["X-Robots-Tag"] = "noindex"
    return response


class PreferencesForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("Version"), required=False,
        choices=[("standard", _("Standard version")), ("caring", _("Caring version: larger text, simpler pages"))],
    )
    zoom = forms.TypedChoiceField(
        label=_("Text size"), coerce=int,
        choices=[(z, f"{z}%") for z in prefs.ZOOMS],
    )
    scheme = forms.ChoiceField(
        label=_("Colour scheme"),
        choices=prefs.SCHEME_CHOICES,
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
            response = HttpResponseRedirect(safe_next(request, reverse("reader:accessibility")))
            prefs.store(response, replace(prefs.DEFAULT, mode=current.mode))
            return response
        form = PreferencesForm(request.POST)
        if form.is_valid():
            response = HttpResponseRedirect(safe_next(request, reverse("reader:accessibility")))
            chosen = {name: value for name, value in form.cleaned_data.items() if name != "mode" or value}
            prefs.store(response, replace(current, **chosen))
            return response
    else:
        form = PreferencesForm(initial={
            "mode": current.mode, "zoom": current.zoom, "scheme": current.scheme, "big_cursor": current.big_cursor,
            "guide": current.guide, "captions": current.captions, "text_only": current.text_only,
        })
    return render(request, "reader/accessibility.html", {"form": form, "next": safe_next(request, "")})


def _readable_article(request: HttpRequest, slug: str) -> tuple[Article, Access]:
    article = article_for_reader(slug=slug, reader=request.user)
    if article is None:
        raise Http404
    return article, decide(request.user, article, grant=grant_from_request(request))


def _private_if_locked(response: HttpResponse, article: Article, access: Access) -> HttpResponse:
    """Anything carrying locked text is for this reader only; preview-only output may be shared."""
    patch_vary_headers(response, ["Cookie"])
    if access.allowed and not article.is_free:
        patch_cache_control(response, private=True, max_age=3600)
    else:
        patch_cache_control(response, public=True, max_age=3600)
    return response


def _audio_response(request: HttpRequest, slug: str, part: int | None) -> HttpResponse:
    article, access = _readable_article(request, slug)
    speed = read_aloud.nearest_speed(request.GET.get("speed"))
    try:
        audio = read_aloud.audio_for(article=article, access=access, speed=speed, part=part)
    except IndexError:
        raise Http404 from None
    except read_aloud.SpeechUnavailable:
        response = JsonResponse({
            "type": "about:blank", "title": gettext("Speech is not available"), "status": 503,
            "detail": gettext("The server could not produce audio just now. Try again later."),
        }, status=503, content_type="application/problem+json")
        response["Retry-After"] = "60"
        return response
    response = HttpResponse(audio, content_type="audio/wav")
    response["Content-Length"] = str(len(audio))
    response["X-Robots-Tag"] = "noindex"
    return _private_if_locked(response, article, access)


@require_GET
def article_audio(request: HttpRequest, slug: str) -> HttpResponse:
    """The article read aloud as far as this reader may read it (bounded length)."""
    return _audio_response(request, slug, None)


@require_GET
def sentence_audio(request: HttpRequest, slug: str, part: int) -> HttpResponse:
    """One readable sentence read aloud: the fallback for browsers without a voice."""
    return _audio_response(request, slug, part)


@require_GET
def article_parts(request: HttpRequest, slug: str) -> HttpResponse:
    """The sentences this reader may hear, in order, with the article's language."""
    article, access = _readable_article(request, slug)
    parts = read_aloud.readable_parts(article=article, access=access)
    audio = reverse("reader:sentence_audio", kwargs={"slug": article.slug, "part": 0}).replace("/0.wav", "/{part}.wav")
    response = JsonResponse({"lang": article.lang, "complete": access.allowed, "audio": audio, "parts": parts},
                            json_dumps_params={"ensure_ascii": False})
    response["X-Robots-Tag"] = "noindex"
    return _private_if_locked(response, article, access)

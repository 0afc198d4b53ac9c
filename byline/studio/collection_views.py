"""The studio's collection pages (/<lang>/write/collections/): the author's list, a form to create or change
one, and its parts with up, down and remove buttons and an "add" list (plain forms; no JavaScript needed).
In the studio (above payments) rather than in collections, which sits below it; the rules are
byline.collections.services'."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from byline.articles.models import Article
from byline.collections import selectors, services
from byline.collections.forms import CollectionForm, CollectionOfferForm
from byline.collections.models import Collection, CollectionItem
from byline.core.inputs import ascii_int
from byline.purchases.errors import PurchaseRefused
from byline.purchases.views import back_to
from byline.studio.views import author_only


def _initial(collection: Collection | None) -> dict:
    if collection is None:
        return {}
    from byline.studio.forms import major

    return {"title": collection.title, "slug": collection.slug, "description": collection.description,
            "price": major(collection.price_minor, collection.currency), "currency": collection.currency,
            "includes_later": collection.includes_later}


def _own(request: HttpRequest, pk: int) -> Collection:
    collection = Collection.objects.filter(pk=pk, author=request.author).first()
    if collection is None:
        raise Http404
    return collection


@author_only
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "collections/studio_index.html",
                  {"collections": selectors.collections_of(author=request.author)})


@author_only
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    collection = _own(request, pk) if pk is not None else None
    form = CollectionForm(request.POST or None, initial=_initial(collection), instance=collection,
                          author=request.author)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = services.save_collection(
            author=request.author, collection=collection, title=data["title"], slug=data["slug"],
            description=data["description"], price_minor=data["price_minor"], currency=data["currency"],
            prices=data["prices"], includes_later=data["includes_later"])
        messages.success(request, _("Collection saved."))
        return back_to(reverse("collection_studio:edit", args=[saved.pk]))
    items = selectors.current_items(collection, live_only=False) if collection else []
    in_some = CollectionItem.objects.filter(removed_at__isnull=True).values("article_id")
    addable = (Article.objects.filter(author=request.author).exclude(pk__in=in_some)
               .order_by("-created_at").only("pk", "title")[:200]) if collection else []
    return render(request, "collections/studio_edit.html", {
        "collection": collection, "form": form, "items": items, "addable": addable,
        "offer_form": CollectionOfferForm(), "offers": _offers_of(collection),
        "offer_base": _offer_base(request),
    }, status=400 if form.errors else 200)


def _offers_of(collection: Collection | None) -> list:
    from byline.subscriptions.models import Offer

    return list(Offer.objects.filter(collection=collection).order_by("-created_at")[:100]) if collection else []


def _offer_base(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("subscriptions:offer", args=["TOKEN"])).replace("TOKEN/", "")


def _day_start(day: dt.date | None) -> dt.datetime | None:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min)) if day else None


@author_only
@require_POST
def offers(request: HttpRequest, pk: int) -> HttpResponse:
    """Make an offer on the collection (percent off, by code or link), or end one."""
    from byline.subscriptions import services as offer_services
    from byline.subscriptions.models import Offer, OfferKind, OfferTarget

    collection = _own(request, pk)
    here = reverse("collection_studio:edit", args=[collection.pk]) + "#offers"
    if request.POST.get("action") == "end":
        offer_id = ascii_int(request.POST.get("offer"), max_digits=12)
        found = Offer.objects.filter(pk=offer_id, collection=collection).first() if offer_id else None
        if found is not None:
            offer_services.end_offer(offer=found)
            messages.success(request, _("The offer has ended."))
        return back_to(here)
    form = CollectionOfferForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        ends = data.get("ends_on")
        try:
            offer_services.create_offer(
                target=OfferTarget.COLLECTION, collection=collection, kind=OfferKind.PERCENT,
                percent_off=data["percent_off"], code=data.get("code") or None,
                starts_at=_day_start(data.get("starts_on")),
                ends_at=timezone.make_aware(dt.datetime.combine(ends, dt.time.max)) if ends else None,
                max_redemptions=data.get("max_redemptions"))
        except PurchaseRefused as refused:
            form.add_error(None, str(refused.message))
        else:
            messages.success(request, _("Your offer is ready. Share its link or its code."))
            return back_to(here)
    items = selectors.current_items(collection, live_only=False)
    return render(request, "collections/studio_edit.html", {
        "collection": collection,
        "form": CollectionForm(initial=_initial(collection), instance=collection, author=request.author),
        "items": items, "addable": [], "offer_form": form, "offers": _offers_of(collection),
        "offer_base": _offer_base(request),
    }, status=400)


@author_only
@require_POST
def parts(request: HttpRequest, pk: int) -> HttpResponse:
    """One change to the parts: add, up, down or remove (the button pressed names it)."""
    collection = _own(request, pk)
    here = reverse("collection_studio:edit", args=[collection.pk]) + "#parts"
    action = request.POST.get("action", "")
    article_id = ascii_int(request.POST.get("article"), max_digits=12)
    if article_id is None:
        messages.error(request, _("Choose an article first."))
        return back_to(here)
    if action == "add":
        article = Article.objects.filter(pk=article_id, author=request.author).first()
        if article is None:
            messages.error(request, _("Choose an article first."))
            return back_to(here)
        try:
            services.add_article(collection=collection, article=article)
        except PurchaseRefused as refused:
            messages.error(request, str(refused.message))
            return back_to(here)
        messages.success(request, _("Added “%(title)s”.") % {"title": article.title})
    elif action in ("up", "down"):
        services.move_article(collection=collection, article_id=article_id, up=action == "up")
    elif action == "remove":
        services.remove_article(collection=collection, article_id=article_id)
        messages.success(request, _("Taken out of the collection. Readers who bought the collection keep it."))
    return back_to(here)

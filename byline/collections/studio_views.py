"""The studio's collection pages (/<lang>/write/collections/): the author's list, a form to create or change
one, and its parts with up, down and remove buttons and an "add" list (plain forms; no JavaScript needed)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from byline.articles.models import Article
from byline.collections import selectors, services
from byline.collections.forms import CollectionForm
from byline.collections.models import Collection, CollectionItem
from byline.core.inputs import ascii_int
from byline.purchases.errors import PurchaseRefused
from byline.purchases.views import back_to
from byline.studio.views import author_only


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
    initial = {}
    if collection is not None:
        from byline.studio.forms import major

        initial = {"title": collection.title, "slug": collection.slug, "description": collection.description,
                   "price": major(collection.price_minor, collection.currency), "currency": collection.currency,
                   "includes_later": collection.includes_later}
    form = CollectionForm(request.POST or None, initial=initial, instance=collection)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = services.save_collection(
            author=request.author, collection=collection, title=data["title"], slug=data["slug"],
            description=data["description"], price_minor=data["price_minor"], currency=data["currency"],
            prices=collection.prices if collection else {}, includes_later=data["includes_later"])
        messages.success(request, _("Collection saved."))
        return back_to(reverse("collection_studio:edit", args=[saved.pk]))
    items = selectors.current_items(collection, live_only=False) if collection else []
    in_some = CollectionItem.objects.filter(removed_at__isnull=True).values("article_id")
    addable = (Article.objects.filter(author=request.author).exclude(pk__in=in_some)
               .order_by("-created_at").only("pk", "title")[:200]) if collection else []
    return render(request, "collections/studio_edit.html", {
        "collection": collection, "form": form, "items": items, "addable": addable,
    }, status=400 if form.errors else 200)


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

"""Thin views: the list of collections, a collection's page (its parts, the reader's progress, the price
and the way to buy) and undoing a collection purchase. Buying (wallet or card) is in payments.card_views,
which sits above this app, as the article unlock is."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from byline.access.decision import readable_ids
from byline.collections import selectors, services
from byline.core.money import money
from byline.pricing.selectors import currency_of
from byline.purchases.errors import UndoRefused
from byline.purchases.views import back_to


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "collections/index.html", {"collections": selectors.listed_collections()})


@never_cache
@require_GET
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    collection = selectors.collection_by_slug(slug)
    if collection is None:
        raise Http404
    items = selectors.current_items(collection)
    if not items and collection.author.user_id != request.user.pk:
        raise Http404
    reader = request.user
    articles = [item.article for item in items]
    readable = readable_ids(reader, articles)
    currency = currency_of(reader)
    terms = selectors.quote(reader=reader, collection=collection, currency=currency)
    owned = selectors.active_purchase(reader=reader, collection=collection)
    undo_until = None
    if owned is not None and not owned.gifted:  # a gift is the giver's to take back, before its claim only
        deadline = owned.created_at + dt.timedelta(seconds=settings.UNDO_WINDOW_SECONDS)
        undo_until = deadline if deadline > timezone.now() else None
    parts = [(number, article, article.pk in readable) for number, article in enumerate(articles, start=1)]
    return render(request, "collections/detail.html", {
        "collection": collection, "parts": parts, "terms": terms, "owned": owned, "undo_until": undo_until,
        "readable_count": sum(1 for _n, _a, ok in parts if ok), "is_author": collection.author.user_id == reader.pk,
        "share_url": request.build_absolute_uri(collection.get_absolute_url()),
    })


@login_required
@require_POST
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        undone = services.undo_collection_purchase(reader=request.user, purchase_id=pk)
    except UndoRefused as refused:
        if refused.code == "missing":
            raise Http404 from None
        messages.warning(request, str(refused.message))
        return back_to(reverse("purchases:wallet"))
    messages.success(request, _("Collection purchase undone: %(amount)s is back in your balance.") % {
        "amount": money(undone.paid_minor, undone.currency)})
    return back_to(undone.collection.get_absolute_url())

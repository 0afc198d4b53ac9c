"""Thin views for paid gifts: choose who it is for, see it and take it back, and claim it. The page that
confirms the price and pays (wallet or card) is in payments (`card_views.gift_confirm`, `gift_by_card`),
which sits above gifts, as the other pages that offer a card do.

Every POST that moves money answers with a redirect (post/redirect/get), as the other money pages do.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from byline.articles.models import Author
from byline.collections import selectors as collection_selectors
from byline.core.money import money
from byline.gifts import selectors, services
from byline.gifts.errors import GiftRefused
from byline.gifts.forms import GiftForm, MembershipGiftForm, MonthsGiftForm
from byline.gifts.models import GiftKind, GiftState, PaidGift
from byline.pricing.selectors import currency_of
from byline.purchases.errors import PurchaseRefused
from byline.purchases.views import article_or_404, back_to, posted_key


def _open(request: HttpRequest, form: GiftForm, order_for) -> HttpResponse | None:
    """A valid POST of the first step: the gift's row (not yet paid), then its confirmation page."""
    if request.method != "POST" or not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        order = order_for(data)
        gift = services.open_gift(buyer=request.user, order=order, idempotency_key=posted_key(request))
    except PurchaseRefused as refused:
        form.add_error(None, str(refused.message))
        return None
    return back_to(reverse("purchases:gift_confirm", args=[gift.pk]))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def give_article(request: HttpRequest, slug: str) -> HttpResponse:
    article = article_or_404(request, slug)
    form = GiftForm(request.POST or None)
    opened = _open(request, form, lambda data: services.article_order(
        article=article, recipient_email=data["recipient_email"], message=data["message"]))
    if opened is not None:
        return opened
    return _give_page(request, form, priced=services.article_order(article=article),
                      back=article.get_absolute_url(), article=article)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def give_membership(request: HttpRequest) -> HttpResponse:
    form = MembershipGiftForm(request.POST or None)
    opened = _open(request, form, lambda data: services.membership_order(
        months=data["months"], recipient_email=data["recipient_email"], message=data["message"]))
    if opened is not None:
        return opened
    return _give_page(request, form, priced=services.membership_order(months=1),
                      back=reverse("purchases:membership"), article=None)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def give_collection(request: HttpRequest, slug: str) -> HttpResponse:
    collection = collection_selectors.collection_by_slug(slug)
    if collection is None:
        raise Http404
    form = GiftForm(request.POST or None)
    opened = _open(request, form, lambda data: services.collection_order(
        collection=collection, recipient_email=data["recipient_email"], message=data["message"]))
    if opened is not None:
        return opened
    return _give_page(request, form, priced=services.collection_order(collection=collection),
                      back=collection.get_absolute_url(), collection=collection)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def give_writer(request: HttpRequest, slug: str) -> HttpResponse:
    """Months of one writer's subscription, at their monthly price in the buyer's currency."""
    author = get_object_or_404(Author, slug=slug)
    form = MonthsGiftForm(request.POST or None)
    opened = _open(request, form, lambda data: services.author_order(
        author=author, months=data["months"], recipient_email=data["recipient_email"], message=data["message"]))
    if opened is not None:
        return opened
    return _give_page(request, form, priced=services.author_order(author=author, months=1),
                      back=author.get_absolute_url(), writer=author)


def _give_page(request: HttpRequest, form, *, priced, back: str, **context) -> HttpResponse:
    """The give form with the price of `priced` (one month for months) in the buyer's currency, or back to
    `back` with the refusal when it is not for sale to them."""
    currency = currency_of(request.user)
    try:
        price = services.price_of(priced, currency)
    except PurchaseRefused as refused:
        messages.error(request, str(refused.message))
        return back_to(back)
    return render(request, "gifts/give.html", {
        "form": form, "price": price, "currency": currency, "key": posted_key(request), "back": back, **context,
    }, status=400 if form.errors else 200)


def _own_gift(request: HttpRequest, pk: int) -> PaidGift:
    return get_object_or_404(PaidGift.objects.select_related("article", "plan", "collection", "author", "recipient"),
                             pk=pk, buyer=request.user)


@never_cache
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    gift = _own_gift(request, pk)
    if gift.state == GiftState.AWAITING:
        return back_to(reverse("purchases:gift_confirm", args=[gift.pk]))
    return render(request, "gifts/detail.html", {
        "gift": gift,
        "url": request.build_absolute_uri(reverse("gifts:claim", args=[gift.token])) if gift.state == GiftState.PAID
        else ""})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def refund(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: "take it back?" with the amount. POST: the refund, back to the gift's page."""
    gift = _own_gift(request, pk)
    if request.method == "POST":
        try:
            gift = services.refund_gift(buyer=request.user, gift_id=gift.pk)
        except GiftRefused as refused:
            messages.error(request, str(refused.message))
        else:
            messages.success(request, _("Gift taken back: %(amount)s is back in your balance.") % {
                "amount": money(gift.price_minor, gift.currency)})
        return back_to(reverse("gifts:detail", args=[gift.pk]))
    if gift.state != GiftState.PAID:
        return back_to(reverse("gifts:detail", args=[gift.pk]))
    return render(request, "gifts/refund.html", {"gift": gift})


@never_cache
@login_required
def my_gifts(request: HttpRequest) -> HttpResponse:
    return render(request, "gifts/mine.html", {
        "bought": selectors.gifts_bought(buyer=request.user),
        "received": selectors.gifts_received(reader=request.user)})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def claim(request: HttpRequest, token: str) -> HttpResponse:
    """GET: what the gift is and who it is from; signed in, a button to claim it (a GET never claims: mail
    scanners and link previews open links). POST: claim, then the article or the membership page."""
    gift = selectors.gift_by_token(token)
    if gift is None:
        raise Http404
    if request.method == "POST":
        if not request.user.is_authenticated:
            return back_to(reverse("accounts:login") + "?next=" + request.path)
        try:
            gift = services.claim_gift(token=token, reader=request.user)
        except GiftRefused as refused:
            messages.error(request, str(refused.message))
            return back_to(request.path)
        if gift.kind == GiftKind.ARTICLE:
            messages.success(request, _("The gift is yours: the whole article is open to you."))
            return back_to(gift.article.get_absolute_url() + "#full-text")
        if gift.kind == GiftKind.COLLECTION:
            messages.success(request, _("The gift is yours: the whole collection is open to you."))
            return back_to(gift.collection.get_absolute_url())
        if gift.kind == GiftKind.AUTHOR:
            messages.success(request, ngettext(
                "The gift is yours: every paid article by %(writer)s is open to you for one month.",
                "The gift is yours: every paid article by %(writer)s is open to you for %(months)s months.",
                gift.months) % {"writer": gift.author.name, "months": gift.months})
            return back_to(gift.author.get_absolute_url())
        messages.success(request, _("The gift is yours: you are a member for %(months)s more months.") % {
            "months": gift.months} if gift.months > 1 else _("The gift is yours: you are a member for one more month."))
        return back_to(reverse("purchases:membership"))
    response = render(request, "gifts/claim.html", {
        "gift": gift, "giver": gift.buyer.get_full_name() or gift.buyer.get_username(),
        "mine": request.user.is_authenticated and gift.recipient_id == request.user.pk,
    }, status=410 if gift.state == GiftState.REFUNDED else 200)
    response["Referrer-Policy"] = "same-origin"  # the address holds the claim secret
    return response

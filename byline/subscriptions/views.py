"""Thin views: a writer's subscription settings (prices and offers); a reader's subscribe page, its
confirmation (the first period's terms restated: price, offer, this month's purchases credited, balance
now and after), an offer's link, a membership offer's confirmation, the reader's subscriptions and the
cancel page with the writer's retention offer. Money moves only on POST, which answers 303 (post,
redirect, get) and carries an idempotency key."""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from byline.articles.models import Author
from byline.core.inputs import ascii_int
from byline.core.unbroken import unbroken_day
from byline.ledger import selectors as ledger_selectors
from byline.pricing.selectors import currency_of
from byline.purchases import memberships
from byline.purchases.errors import NotEnoughInWallet, PriceChanged, PurchaseRefused
from byline.purchases.models import Interval, MembershipPlan
from byline.purchases.views import posted_key, quoted_price
from byline.subscriptions import fair_price, selectors, services
from byline.subscriptions.errors import ProviderUnavailable
from byline.subscriptions.forms import OfferForm, PricesForm, field_name, to_major
from byline.subscriptions.models import Offer, OfferTarget


def _back_to(url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(url, status=303)


def _interval(value: str | None) -> str:
    return Interval.YEAR if value == Interval.YEAR else Interval.MONTH


# --- The writer's settings -------------------------------------------------------------------------------

@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    author = Author.objects.filter(user=request.user).first()
    if author is None:
        raise Http404
    here = reverse("subscriptions:settings")
    prices_form, offer_form = None, None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "prices":
            prices_form = PricesForm(request.POST)
            if prices_form.is_valid():
                for (interval, currency), minor in prices_form.cleaned_data["prices"].items():
                    services.set_price(author=author, interval=interval, currency=currency, price_minor=minor)
                messages.success(request, _("Your subscription prices are saved."))
                return _back_to(here)
        elif action == "offer":
            offer_form = OfferForm(request.POST)
            if offer_form.is_valid():
                data = offer_form.cleaned_data
                ends = data.get("ends_on")
                try:
                    services.create_offer(
                        target=OfferTarget.AUTHOR, author=author, kind=data["kind"],
                        percent_off=data.get("percent_off"),
                        amount_off_minor=data.get("amount_off_minor"), currency=data.get("currency") or "",
                        trial_days=data.get("trial_days"), code=data.get("code") or None,
                        ends_at=timezone.make_aware(dt.datetime.combine(ends, dt.time.max)) if ends else None,
                        max_redemptions=data.get("max_redemptions"), retention=data.get("retention", False))
                except PurchaseRefused as refused:
                    offer_form.add_error(None, str(refused.message))
                else:
                    messages.success(request, _("Your offer is ready. Share its link or its code."))
                    return _back_to(here + "#offers")
        elif action == "end_offer":
            offer_id = ascii_int(request.POST.get("offer"), max_digits=12)
            offer = Offer.objects.filter(pk=offer_id, author=author).first() if offer_id else None
            if offer is not None:
                services.end_offer(offer=offer)
                messages.success(request, _("The offer has ended."))
            return _back_to(here + "#offers")
        else:
            return _back_to(here)
    if prices_form is None:
        initial = {}
        for row in selectors.prices_of(author_id=author.pk):
            initial[field_name(row.interval, row.currency)] = to_major(row.price_minor, row.currency)
        prices_form = PricesForm(initial=initial)
    return render(request, "subscriptions/settings.html", {
        "author": author, "prices_form": prices_form, "offer_form": offer_form or OfferForm(),
        "offers": selectors.offers_of(author_id=author.pk),
        "offer_base": request.build_absolute_uri(reverse("subscriptions:offer", args=["TOKEN"])).replace("TOKEN/", ""),
    })


# --- Subscribing ---------------------------------------------------------------------------------------

def _writer(slug: str) -> Author:
    return get_object_or_404(Author, slug=slug)


@never_cache
@login_required
def subscribe(request: HttpRequest, slug: str) -> HttpResponse:
    """The writer's subscriptions in the reader's currency, with how close this month's purchases are to
    the monthly price; each choice leads to the confirmation (a GET form, with an optional code)."""
    author = _writer(slug)
    currency = currency_of(request.user)
    current = selectors.active_subscription(reader=request.user, author_id=author.pk)
    return render(request, "subscriptions/subscribe.html", {
        "author": author, "currency": currency, "prices": selectors.prices_of(author_id=author.pk, currency=currency),
        "current": current, "progress": fair_price.progress(reader=request.user, author_id=author.pk,
                                                            currency=currency),
    })


def _chosen_offer(request: HttpRequest, author: Author) -> tuple[Offer | None, str]:
    """The offer the reader brought (a link's token or a typed code) and a message if it is not theirs."""
    token, code = request.GET.get("offer") or request.POST.get("offer"), request.GET.get("code") or \
        request.POST.get("code")
    offer = None
    if token:
        offer = selectors.offer_by_token(token)
    elif code:
        offer = selectors.offer_by_code(code=code, target=OfferTarget.AUTHOR, author_id=author.pk)
    if (token or code) and (offer is None or offer.author_id != author.pk):
        return None, _("There is no such offer for this writer.")
    if offer is not None and not selectors.redeemable(offer=offer, reader=request.user):
        return None, _("This offer cannot be used: it has ended, reached its limit, or you used it before.")
    return offer, ""


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, slug: str) -> HttpResponse:
    author = _writer(slug)
    interval = _interval(request.GET.get("interval") or request.POST.get("interval"))
    currency = currency_of(request.user)
    mine = reverse("subscriptions:mine")
    if selectors.active_subscription(reader=request.user, author_id=author.pk) is not None:
        messages.info(request, _("You already subscribe to this writer."))
        return _back_to(mine)
    offer, problem = _chosen_offer(request, author)
    back = reverse("subscriptions:subscribe", args=[author.slug])
    if problem:
        messages.error(request, problem)
        return _back_to(back)
    query = urlencode({"interval": interval, **({"offer": offer.token} if offer else {})})
    here = f"{reverse('subscriptions:confirm', args=[author.slug])}?{query}"
    if request.method == "POST":
        if request.POST.get("confirmed") != "yes":
            return _back_to(here)
        try:
            subscription = services.subscribe_with_wallet(
                reader=request.user, author=author, interval=interval, idempotency_key=posted_key(request),
                currency=(request.POST.get("currency") or "")[:3] or currency, quoted_minor=quoted_price(request),
                offer=offer)
        except PriceChanged:
            messages.warning(request, _("What is due has changed since you confirmed. Nothing was charged: please "
                                        "check and confirm again."))
            return _back_to(here)
        except NotEnoughInWallet:
            messages.error(request, _("Your balance is too low for this subscription. Nothing was charged."))
            return _back_to(here)
        except PurchaseRefused as refused:
            messages.error(request, str(refused.message))
            return _back_to(back)
        if subscription.in_trial:
            messages.success(request, _("Your free trial of %(writer)s runs until %(date)s: every article of theirs is "
                                        "open to you. Nothing was charged.") % {
                "writer": author.name, "date": unbroken_day(subscription.period_end)})
        else:
            messages.success(request, _("You subscribe to %(writer)s until %(date)s: every article of theirs is open "
                                        "to you.") % {"writer": author.name,
                                                      "date": unbroken_day(subscription.period_end)})
        return _back_to(mine)
    try:
        terms = services.first_period_terms(reader=request.user, author=author, interval=interval, currency=currency,
                                            offer=offer)
    except PurchaseRefused as refused:
        messages.error(request, str(refused.message))
        return _back_to(back)
    balance = ledger_selectors.wallet_balance(reader=request.user, currency=currency)
    return render(request, "subscriptions/confirm.html", {
        "author": author, "interval": interval, "currency": currency, "terms": terms, "offer": offer,
        "balance": balance, "after": balance - terms["due"], "can_afford": balance >= terms["due"],
        "key": uuid.uuid4().hex, "yearly": interval == Interval.YEAR, "card_key": uuid.uuid4().hex,
        # A card pays the full price and renews by itself; an offer or this month's credit is for the wallet.
        "card_possible": offer is None and terms["due"] == terms["price"],
    })


@never_cache
@login_required
def offer_link(request: HttpRequest, token: str) -> HttpResponse:
    """A shareable offer link: to the confirmation it is for."""
    offer = selectors.offer_by_token(token)
    if offer is None:
        raise Http404
    if offer.target == OfferTarget.MEMBERSHIP:
        return _back_to(reverse("subscriptions:membership_offer", args=[offer.token]))
    if offer.target == OfferTarget.COLLECTION:
        # The collection's buy page (in payments, by its URL name): it checks the offer for the reader.
        return _back_to(f"{reverse('purchases:buy_collection', args=[offer.collection.slug])}?"
                        f"{urlencode({'offer': offer.token})}")
    return _back_to(f"{reverse('subscriptions:confirm', args=[offer.author.slug])}?"
                    f"{urlencode({'interval': Interval.MONTH, 'offer': offer.token})}")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def membership_offer(request: HttpRequest, token: str) -> HttpResponse:
    offer = selectors.offer_by_token(token)
    if offer is None or offer.target != OfferTarget.MEMBERSHIP:
        raise Http404
    back = reverse("purchases:membership")
    if not selectors.redeemable(offer=offer, reader=request.user):
        messages.error(request, _("This offer cannot be used: it has ended, reached its limit, or you used it "
                                  "before."))
        return _back_to(back)
    currency = currency_of(request.user)
    plans = memberships.plan_offers(currency=currency)
    if not plans:
        raise Http404
    chosen = next((p for p in plans if str(p.plan.pk) == (request.POST.get("plan") or request.GET.get("plan"))),
                  plans[0])
    price = chosen.price_minor
    due = 0 if offer.trial_days else price - services.discount_of(offer=offer, price_minor=price, currency=currency)
    if request.method == "POST":
        if request.POST.get("confirmed") != "yes":
            return _back_to(request.path)
        try:
            joined = services.join_membership_with_offer(
                reader=request.user, plan=get_object_or_404(MembershipPlan, pk=chosen.plan.pk), offer=offer,
                idempotency_key=posted_key(request), currency=currency, quoted_minor=quoted_price(request))
        except PriceChanged:
            messages.warning(request, _("What is due has changed since you confirmed. Nothing was charged: please "
                                        "check and confirm again."))
            return _back_to(request.path)
        except PurchaseRefused as refused:
            messages.error(request, str(refused.message))
            return _back_to(back)
        messages.success(request, _("Welcome: you are a member until %(date)s, and every article is open to you.") % {
            "date": unbroken_day(joined.period_end)})
        return _back_to(back)
    balance = ledger_selectors.wallet_balance(reader=request.user, currency=currency)
    return render(request, "subscriptions/membership_offer.html", {
        "offer": offer, "plans": plans, "chosen": chosen, "price": price, "due": due, "currency": currency,
        "balance": balance, "after": balance - due, "can_afford": balance >= due, "key": uuid.uuid4().hex,
    })


# --- The reader's subscriptions ------------------------------------------------------------------------

@never_cache
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    return render(request, "subscriptions/mine.html", {
        "subscriptions": selectors.subscriptions_of(reader=request.user), "now": timezone.now()})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: what cancelling means, and the writer's retention offer if there is one. POST: cancel, or keep
    the subscription with the offer."""
    author = _writer(slug)
    subscription = selectors.active_subscription(reader=request.user, author_id=author.pk)
    back = reverse("subscriptions:mine")
    if subscription is None:
        messages.info(request, _("You have no subscription to this writer."))
        return _back_to(back)
    retention = selectors.retention_offer(subscription=subscription)
    if request.method == "POST":
        if request.POST.get("action") == "keep" and retention is None:
            # A page shown before the offer ended (or went): staying must never cancel.
            messages.info(request, _("That offer is no longer open to you. Your subscription is unchanged."))
            return _back_to(back)
        if request.POST.get("action") == "keep":
            try:
                services.accept_retention_offer(reader=request.user, author_id=author.pk, offer=retention)
            except PurchaseRefused as refused:
                messages.error(request, str(refused.message))
                return _back_to(back)
            messages.success(request, _("Thank you for staying. Your subscription goes on with the offer."))
            return _back_to(back)
        try:
            services.cancel(reader=request.user, author_id=author.pk)
        except ProviderUnavailable as unavailable:
            messages.error(request, str(unavailable.message))
            return _back_to(back)
        messages.success(request, _("Your subscription to %(writer)s ends on %(date)s. Nothing more will be "
                                    "charged.") % {"writer": author.name,
                                                   "date": unbroken_day(subscription.period_end)})
        return _back_to(back)
    return render(request, "subscriptions/cancel.html", {
        "author": author, "subscription": subscription, "retention": retention,
        "retention_minor": services.discount_of(offer=retention, price_minor=subscription.price_minor,
                                                currency=subscription.currency) if retention else 0,
    })


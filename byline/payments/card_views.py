"""The money pages that offer a card as well as the wallet: the unlock confirmation (each method's amount),
a card unlock, the membership confirmation and joining by wallet or card, and cancelling a membership (a
card subscription is stopped at its provider first).

They live in payments, above purchases, so that purchases never imports payments; their URLs keep the
`purchases` namespace and paths (`card_urls`, joined to purchases' own in byline/urls.py). Wherever money
moves, a POST answers with a redirect (post, redirect, get: `purchases.views.back_to`).
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from byline.access.decision import decide
from byline.collections import selectors as collection_selectors
from byline.collections import services as collection_services
from byline.core.money import money
from byline.core.unbroken import unbroken_day
from byline.ledger import selectors as ledger_selectors
from byline.payments.checkout import (
    card_amount_for,
    card_charge,
    card_shortfall,
    start_card_collection,
    start_card_gift,
    start_card_membership,
    start_card_unlock,
)
from byline.payments.errors import PaymentRefused, ProviderError
from byline.payments.subscriptions import cancel_membership as cancel_card_membership
from byline.payments.views import chosen_method, method_choices
from byline.pricing.selectors import currency_of
from byline.purchases import memberships, services
from byline.purchases.errors import NotEnoughInWallet, PriceChanged, PurchaseRefused
from byline.purchases.models import MembershipPlan
from byline.purchases.views import article_or_404, back_to, other_balances, posted_key, quoted_price
from byline.subscriptions.errors import OfferRefused

log = logging.getLogger("byline.purchases")


def to_provider(request: HttpRequest, open_checkout, *, on_refusal: str) -> HttpResponse:
    """Open a card checkout (`open_checkout(success_url)` returns it) and send the reader to the provider's page;
    a refusal is shown as a message back at `on_refusal`."""
    try:
        checkout = open_checkout(request.build_absolute_uri(reverse("payments:return")))
    except (PaymentRefused, PurchaseRefused) as refused:
        messages.error(request, str(refused.message))
        return back_to(on_refusal)
    return back_to(checkout.redirect_url)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def unlock(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the confirmation, in the reader's currency. POST with confirmed=yes and the quoted price: buy.

    Any other POST (an old paywall form) is sent to the confirmation as a GET."""
    article = article_or_404(request, slug)
    back = article.get_absolute_url()
    here = reverse("purchases:unlock", args=[article.slug])
    if decide(request.user, article).allowed:
        messages.info(request, _("You can already read this article in full."))
        return back_to(back + "#full-text")
    if not article.is_live or article.price_minor <= 0:
        messages.error(request, _("This article is not for sale."))
        return back_to(back)
    if request.method == "POST":
        if request.POST.get("confirmed") != "yes":
            return back_to(here)
        currency = (request.POST.get("currency") or "")[:3] or currency_of(request.user)
        try:
            purchase = services.unlock_with_wallet(reader=request.user, article=article,
                                                   idempotency_key=posted_key(request), currency=currency,
                                                   quoted_minor=quoted_price(request))
        except PriceChanged as changed:
            messages.warning(request, _("The price of this article in your currency is now %(price)s. Nothing was "
                                        "charged: please check and confirm again.") % {
                "price": money(changed.price_minor, changed.currency)})
            return back_to(here)
        except NotEnoughInWallet:
            messages.error(request, _("Your balance is too low for this article. Nothing was charged."))
            return back_to(here)
        except PurchaseRefused as refused:
            messages.error(request, str(refused.message))
            return back_to(back)
        balance = ledger_selectors.wallet_balance(reader=request.user, currency=purchase.currency)
        messages.success(request, _("You bought “%(title)s” for %(price)s. Your balance is now %(balance)s.") % {
            "title": article.title, "price": money(purchase.price_minor, purchase.currency),
            "balance": money(balance, purchase.currency)})
        return back_to(back + "#undo-offer")
    currency = currency_of(request.user)
    price = services.quote(article=article, currency=currency)
    # Below the price where the reader's purchases this month near the writer's monthly price (the cap).
    charge = services.charge_for(reader=request.user, article=article, currency=currency)
    balance = ledger_selectors.wallet_balance(reader=request.user, currency=currency)
    # Each method charges at least its own minimum, so each button states its own amount.
    methods = [(name, label, card_amount_for(reader=request.user, article=article, method=name, balance=balance,
                                             currency=currency))
               for name, label in method_choices(currency)]
    needed = card_shortfall(price_minor=price, balance=balance)
    return render(request, "purchases/confirm.html", {
        "article": article, "price": price, "charge": charge, "currency": currency, "balance": balance,
        "after": balance - charge, "can_afford": balance >= charge, "key": uuid.uuid4().hex,
        "card_amount": methods[0][2],
        "card_extra": methods[0][2] - needed, "card_key": uuid.uuid4().hex, "methods": methods,
        # The site's card provider alone gets one plain "Pay by card" button; any other choice, the method list.
        "card_only": [name for name, _label, _amount in methods] == [settings.PAYMENT_PROVIDER],
        "other_balances": other_balances(request.user, currency),
    })


@login_required
@require_POST
def unlock_by_card(request: HttpRequest, slug: str) -> HttpResponse:
    article = article_or_404(request, slug)
    back = article.get_absolute_url()
    if decide(request.user, article).allowed:
        return back_to(back + "#full-text")
    return to_provider(request, lambda success_url: start_card_unlock(
        reader=request.user, article=article, idempotency_key=posted_key(request), success_url=success_url,
        cancel_url=request.build_absolute_uri(back), **chosen_method(request)),
        on_refusal=reverse("purchases:unlock", args=[article.slug]))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, plan_id: int) -> HttpResponse:
    """GET: the confirmation (price, balance now and after, or the card). POST: join, then back to the
    membership page, which says what happened."""
    plan = get_object_or_404(MembershipPlan, pk=plan_id, active=True)
    here, back = reverse("purchases:join", args=[plan.pk]), reverse("purchases:membership")
    current = memberships.active_membership(reader=request.user)
    if current is not None:
        messages.info(request, _("You are already a member until %(date)s.") % {
            "date": unbroken_day(current.period_end)})
        return back_to(back)
    currency = currency_of(request.user)
    if request.method == "POST":
        key = posted_key(request)
        try:
            if request.POST.get("method") == "card":
                checkout = start_card_membership(
                    reader=request.user, plan=plan, idempotency_key=key, quoted_minor=quoted_price(request),
                    success_url=request.build_absolute_uri(reverse("payments:return")),
                    cancel_url=request.build_absolute_uri(here))
                return back_to(checkout.redirect_url)
            if request.POST.get("confirmed") != "yes":
                return back_to(here)
            joined = memberships.join_with_wallet(reader=request.user, plan=plan, idempotency_key=key,
                                                  currency=(request.POST.get("currency") or "")[:3] or currency,
                                                  quoted_minor=quoted_price(request))
        except PriceChanged as changed:
            messages.warning(request, _("The price of this plan in your currency is now %(price)s. Nothing was "
                                        "charged: please check and confirm again.") % {
                "price": money(changed.price_minor, changed.currency)})
            return back_to(here)
        except NotEnoughInWallet:
            messages.error(request, _("Your balance is too low for this plan. Nothing was charged."))
            return back_to(here)
        except (PaymentRefused, PurchaseRefused) as refused:
            messages.error(request, str(refused.message))
            return back_to(here)
        balance = ledger_selectors.wallet_balance(reader=request.user, currency=joined.currency)
        messages.success(request, _("Welcome: you are a member until %(date)s, and every article is open to you. "
                                    "%(price)s was paid from your balance, which is now %(balance)s.") % {
            "date": unbroken_day(joined.period_end),
            "price": money(joined.price_minor, joined.currency), "balance": money(balance, joined.currency)})
        return back_to(back)
    price = memberships.plan_quote(plan=plan, currency=currency)
    balance = ledger_selectors.wallet_balance(reader=request.user, currency=currency)
    card_methods = method_choices(currency)
    return render(request, "purchases/join.html", {
        "offer": memberships.PlanOffer(plan=plan, price_minor=price, currency=currency), "price": price,
        "currency": currency, "balance": balance, "after": balance - price, "can_afford": balance >= price,
        "key": uuid.uuid4().hex, "card_key": uuid.uuid4().hex,
        "card_possible": price >= card_charge(price_minor=price, balance=0, currency=currency,
                                              method=card_methods[0][0] if card_methods else ""),
        "other_balances": other_balances(request.user, currency),
    })


@login_required
@require_POST
def cancel_membership(request: HttpRequest) -> HttpResponse:
    try:
        cancelled = cancel_card_membership(reader=request.user)
    except ProviderError:
        log.warning("could not cancel the card subscription of reader %s", request.user.pk, exc_info=True)
        messages.error(request, _("We could not reach the payment provider to stop your card renewal, so nothing "
                                  "has changed. Please try again in a few minutes."))
        return back_to(reverse("purchases:membership"))
    if cancelled is not None:
        messages.success(request, _("Your membership ends on %(date)s, at the close of this period. Nothing more "
                                    "will be charged.") % {
            "date": unbroken_day(cancelled.period_end)})
    return back_to(reverse("purchases:membership"))


def _collection_offer(request: HttpRequest, collection) -> tuple[object | None, bool]:
    """The collection offer the reader named (a code typed on the collection page, or an offer link's token),
    if they may take it now, and whether they named one at all."""
    code = (request.POST.get("code") or request.GET.get("code") or "").strip()[:41]
    token = (request.POST.get("offer") or request.GET.get("offer") or "").strip()[:41]
    if not code and not token:
        return None, False
    return collection_selectors.usable_offer(reader=request.user, collection=collection, code=code,
                                             token=token), True


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def buy_collection(request: HttpRequest, slug: str) -> HttpResponse:
    """The whole collection: GET the confirmation (the price, what the parts already bought take off, the
    balance now and after, or the card); POST with confirmed=yes and the quoted amount: buy from the wallet."""
    collection = collection_selectors.collection_by_slug(slug)
    if collection is None:
        raise Http404
    back = collection.get_absolute_url()
    here = reverse("purchases:buy_collection", args=[collection.slug])
    currency = currency_of(request.user)
    owned = collection_selectors.active_purchase(reader=request.user, collection=collection)
    if owned is not None or collection.author.user_id == request.user.pk:
        messages.info(request, _("This whole collection is already yours."))
        return back_to(back)
    offer, named = _collection_offer(request, collection)
    if named and offer is None:
        messages.error(request, _("This offer cannot be used: it has ended, reached its limit, or you used it "
                                  "before."))
        if request.method == "POST":
            return back_to(here)
    if request.method == "POST":
        if request.POST.get("confirmed") != "yes":
            return back_to(here)
        try:
            bought = collection_services.buy_with_wallet(
                reader=request.user, collection=collection, idempotency_key=posted_key(request),
                currency=(request.POST.get("currency") or "")[:3] or currency, quoted_minor=quoted_price(request),
                offer=offer)
        except PriceChanged as changed:
            messages.warning(request, _("What you pay for this collection is now %(price)s. Nothing was charged: "
                                        "please check and confirm again.") % {
                "price": money(changed.price_minor, changed.currency)})
            return back_to(here)
        except NotEnoughInWallet:
            messages.error(request, _("Your balance is too low for this collection. Nothing was charged."))
            return back_to(here)
        except OfferRefused as refused:
            messages.error(request, str(refused.message))
            return back_to(here)
        except PurchaseRefused as refused:
            messages.error(request, str(refused.message))
            return back_to(back)
        balance = ledger_selectors.wallet_balance(reader=request.user, currency=bought.currency)
        messages.success(request, _("The whole collection “%(title)s” is yours for %(price)s. Your balance is now "
                                    "%(balance)s.") % {
            "title": collection.title, "price": money(bought.paid_minor, bought.currency),
            "balance": money(balance, bought.currency)})
        return back_to(back)
    terms = collection_selectors.quote(reader=request.user, collection=collection, currency=currency, offer=offer)
    if offer is not None and not terms.offer_lowers_it:
        terms, offer = collection_selectors.quote(reader=request.user, collection=collection, currency=currency), None
    balance = ledger_selectors.wallet_balance(reader=request.user, currency=currency)
    card_methods = method_choices(currency)
    method = card_methods[0][0] if card_methods else ""
    card_amount = card_charge(price_minor=terms.to_pay, balance=balance, currency=currency, method=method) \
        if terms.to_pay else 0
    return render(request, "collections/confirm.html", {
        "collection": collection, "terms": terms, "price": terms.to_pay, "currency": currency, "balance": balance,
        "after": balance - terms.to_pay, "can_afford": balance >= terms.to_pay, "key": uuid.uuid4().hex,
        "card_key": uuid.uuid4().hex, "card_amount": card_amount,
        "card_extra": card_amount - card_shortfall(price_minor=terms.to_pay, balance=balance),
        "other_balances": other_balances(request.user, currency), "offer": offer,
    })


@login_required
@require_POST
def buy_collection_by_card(request: HttpRequest, slug: str) -> HttpResponse:
    collection = collection_selectors.collection_by_slug(slug)
    if collection is None:
        raise Http404
    here = reverse("purchases:buy_collection", args=[collection.slug])
    if collection_selectors.active_purchase(reader=request.user, collection=collection) is not None:
        return back_to(collection.get_absolute_url())
    return to_provider(request, lambda success_url: start_card_collection(
        reader=request.user, collection=collection, idempotency_key=posted_key(request), success_url=success_url,
        cancel_url=request.build_absolute_uri(here), **chosen_method(request)), on_refusal=here)


@login_required
@require_POST
def subscribe_by_card(request: HttpRequest, slug: str) -> HttpResponse:
    """A card subscription to a writer at their full price (offers and this month's credit are for the wallet):
    the provider's hosted checkout, then its renewals. Lives here because subscriptions sits below payments."""
    from byline.articles.models import Author
    from byline.payments.checkout import start_card_author_subscription
    from byline.subscriptions import selectors as subscription_selectors

    author = get_object_or_404(Author, slug=slug)
    interval = "year" if request.POST.get("interval") == "year" else "month"
    here = reverse("subscriptions:confirm", args=[author.slug]) + f"?interval={interval}"
    price = subscription_selectors.price_for(author_id=author.pk, interval=interval,
                                             currency=currency_of(request.user))
    if price is None or subscription_selectors.active_subscription(reader=request.user, author_id=author.pk):
        return back_to(reverse("subscriptions:subscribe", args=[author.slug]))
    return to_provider(request, lambda success_url: start_card_author_subscription(
        reader=request.user, author_price=price, idempotency_key=posted_key(request),
        quoted_minor=quoted_price(request), success_url=success_url, cancel_url=request.build_absolute_uri(here)),
        on_refusal=here)


@login_required
@require_POST
def gift_by_card(request: HttpRequest, pk: int) -> HttpResponse:
    """Pay by card for a gift the reader opened (byline/gifts): the provider's page, then the gift is paid
    from the wallet when the payment arrives."""
    from byline.gifts.models import GiftState, PaidGift

    gift = get_object_or_404(PaidGift, pk=pk, buyer=request.user)
    here = reverse("purchases:gift_confirm", args=[gift.pk])
    if gift.state != GiftState.AWAITING:
        return back_to(reverse("gifts:detail", args=[gift.pk]))
    return to_provider(request, lambda success_url: start_card_gift(
        reader=request.user, gift=gift, idempotency_key=posted_key(request), success_url=success_url,
        cancel_url=request.build_absolute_uri(here), quoted_minor=quoted_price(request), **chosen_method(request)),
        on_refusal=here)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def gift_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """A paid gift's confirmation (byline/gifts): the price restated, the balance now and after, or the card.
    POST confirmed=yes with the quoted price: pay it from the wallet, then the gift's page."""
    from byline.gifts.models import GiftState, PaidGift
    from byline.gifts.services import pay_for_gift, price_now

    gift = get_object_or_404(PaidGift.objects.select_related("article", "plan", "collection", "author"), pk=pk,
                             buyer=request.user)
    here, done = reverse("purchases:gift_confirm", args=[gift.pk]), reverse("gifts:detail", args=[gift.pk])
    if gift.state != GiftState.AWAITING:
        return back_to(done)
    if request.method == "POST":
        if request.POST.get("confirmed") != "yes":
            return back_to(here)
        try:
            gift = pay_for_gift(gift_id=gift.pk, quoted_minor=quoted_price(request))
        except PriceChanged as changed:
            messages.warning(request, _("The price of this gift is now %(price)s. Nothing was charged: please "
                                        "check and confirm again.") % {
                "price": money(changed.price_minor, changed.currency)})
            return back_to(here)
        except NotEnoughInWallet:
            messages.error(request, _("Your balance is too low for this gift. Nothing was charged."))
            return back_to(here)
        except PurchaseRefused as refused:
            messages.error(request, str(refused.message))
            return back_to(here)
        messages.success(request, _("Your gift is paid for: %(amount)s from your balance.") % {
            "amount": money(gift.price_minor, gift.currency)})
        return back_to(done)
    try:
        # Today's price, not the one the gift was opened at: that is what paying charges (or refuses).
        price = price_now(gift)
    except PurchaseRefused as refused:
        messages.error(request, str(refused.message))
        return back_to(reverse("gifts:mine"))
    balance = ledger_selectors.wallet_balance(reader=request.user, currency=gift.currency)
    methods = [(name, label, card_charge(price_minor=price, balance=balance, currency=gift.currency,
                                         method=name)) for name, label in method_choices(gift.currency)]
    needed = card_shortfall(price_minor=price, balance=balance)
    return render(request, "gifts/confirm.html", {
        "gift": gift, "price": price, "opened_at": gift.price_minor, "currency": gift.currency, "balance": balance,
        "after": balance - price, "can_afford": balance >= price, "key": uuid.uuid4().hex,
        "card_amount": methods[0][2], "card_extra": methods[0][2] - needed, "card_key": uuid.uuid4().hex,
        "methods": methods, "card_only": [name for name, _label, _amount in methods] == [settings.PAYMENT_PROVIDER],
        "other_balances": other_balances(request.user, gift.currency),
    })

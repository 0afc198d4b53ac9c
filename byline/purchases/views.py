"""Thin views: unlock (with its confirmation), undo, refund requests, wallet and currency, receipts,
memberships (with their confirmation), earnings, ledger health.

Wherever money moves, a POST answers with a redirect to a page that can be asked for again (post,
redirect, get): Back after a purchase never offers to send the form again, and a refusal is a message
on the page the reader is sent back to.
"""

from __future__ import annotations

import logging
import uuid

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from byline.access.decision import decide
from byline.articles.selectors import article_for_reader
from byline.core.inputs import ascii_int
from byline.core.money import money
from byline.ledger import selectors as ledger_selectors
from byline.ledger.invariants import problems
from byline.ledger.models import AccountKind, Entry, Transfer
from byline.payments import services as payment_services
from byline.payments.providers.base import ProviderError
from byline.payments.services import (
    PaymentRefused,
    card_amount_for,
    card_charge,
    card_shortfall,
    start_card_membership,
    start_card_unlock,
)
from byline.payments.statement import lines_for, unbroken_day
from byline.payments.views import chosen_method, method_choices
from byline.pricing.conversion import currency_name
from byline.pricing.selectors import currency_of
from byline.pricing.services import choose_currency
from byline.purchases import memberships, selectors, services
from byline.purchases.errors import NotEnoughInWallet, PriceChanged, PurchaseRefused, UndoRefused
from byline.purchases.forms import CurrencyForm, RefundRequestForm
from byline.purchases.models import MembershipPlan, PurchaseStatus, RefundRequest, RefundRequestStatus
from byline.sharing.selectors import gifts_made_from_purchase

log = logging.getLogger("byline.purchases")


def _key(request: HttpRequest) -> str:
    return (request.POST.get("idempotency_key") or "").strip() or uuid.uuid4().hex


def _quoted(request: HttpRequest) -> int | None:
    """The price the confirmation page showed (its hidden `quoted_price`), or None if the form had none."""
    return ascii_int(request.POST.get("quoted_price"), max_digits=12)


def _article(request: HttpRequest, slug: str):
    article = article_for_reader(slug=slug, reader=request.user)
    if article is None:
        raise Http404
    return article


def _other_balances(reader, currency: str) -> list:
    """The reader's wallets in other currencies that hold money: it stays there until they switch back."""
    return [account for account in ledger_selectors.accounts_of(owner=reader, kind=AccountKind.WALLET)
            if account.currency != currency and account.balance > 0]


def _back_to(url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(url, status=303)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def unlock(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the confirmation, in the reader's currency. POST with confirmed=yes and the quoted price: buy.

    Any other POST (an old paywall form) is sent to the confirmation as a GET."""
    article = _article(request, slug)
    back = article.get_absolute_url()
    here = reverse("purchases:unlock", args=[article.slug])
    if decide(request.user, article).allowed:
        messages.info(request, _("You can already read this article in full."))
        return _back_to(back + "#full-text")
    if not article.is_live or article.price_minor <= 0:
        messages.error(request, _("This article is not for sale."))
        return _back_to(back)
    if request.method == "POST":
        if request.POST.get("confirmed") != "yes":
            return _back_to(here)
        currency = (request.POST.get("currency") or "")[:3] or currency_of(request.user)
        try:
            purchase = services.unlock_with_wallet(reader=request.user, article=article, idempotency_key=_key(request),
                                                   currency=currency, quoted_minor=_quoted(request))
        except PriceChanged as changed:
            messages.warning(request, _("The price of this article in your currency is now %(price)s. Nothing was "
                                        "charged: please check and confirm again.") % {
                "price": money(changed.price_minor, changed.currency)})
            return _back_to(here)
        except NotEnoughInWallet:
            messages.error(request, _("Your balance is too low for this article. Nothing was charged."))
            return _back_to(here)
        except PurchaseRefused as refused:
            messages.error(request, str(refused.message))
            return _back_to(back)
        balance = ledger_selectors.wallet_balance(reader=request.user, currency=purchase.currency)
        messages.success(request, _("You bought “%(title)s” for %(price)s. Your balance is now %(balance)s.") % {
            "title": article.title, "price": money(purchase.price_minor, purchase.currency),
            "balance": money(balance, purchase.currency)})
        return _back_to(back + "#undo-offer")
    currency = currency_of(request.user)
    price = services.quote(article=article, currency=currency)
    balance = ledger_selectors.wallet_balance(reader=request.user, currency=currency)
    # Each method charges at least its own minimum, so each button states its own amount.
    methods = [(name, label, card_amount_for(reader=request.user, article=article, method=name, balance=balance,
                                             currency=currency))
               for name, label in method_choices(currency)]
    needed = card_shortfall(price_minor=price, balance=balance)
    return render(request, "purchases/confirm.html", {
        "article": article, "price": price, "currency": currency, "balance": balance, "after": balance - price,
        "can_afford": balance >= price, "key": uuid.uuid4().hex, "card_amount": methods[0][2],
        "card_extra": methods[0][2] - needed, "card_key": uuid.uuid4().hex, "methods": methods,
        "other_balances": _other_balances(request.user, currency),
    })


@login_required
@require_POST
def unlock_by_card(request: HttpRequest, slug: str) -> HttpResponse:
    article = _article(request, slug)
    back = article.get_absolute_url()
    if decide(request.user, article).allowed:
        return _back_to(back + "#full-text")
    try:
        checkout = start_card_unlock(
            reader=request.user, article=article, idempotency_key=_key(request),
            success_url=request.build_absolute_uri(reverse("payments:return")),
            cancel_url=request.build_absolute_uri(back), **chosen_method(request))
    except (PaymentRefused, PurchaseRefused) as refused:
        messages.error(request, str(refused.message))
        return _back_to(reverse("purchases:unlock", args=[article.slug]))
    return _back_to(checkout.redirect_url)


@login_required
@require_POST
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        purchase = services.undo_purchase(reader=request.user, purchase_id=pk)
    except UndoRefused as refused:
        if refused.code == "missing":
            raise Http404 from None
        if refused.code in ("window", "limit"):
            messages.warning(request, _("%(reason)s If something is wrong with it, you can ask us for a refund "
                                        "here.") % {"reason": refused.message})
            return _back_to(reverse("purchases:refund_request", args=[pk]))
        messages.info(request, str(refused.message))
        return _back_to(reverse("purchases:wallet"))
    messages.success(request, _("Purchase undone: %(amount)s is back in your balance.") % {
        "amount": money(purchase.price_minor, purchase.currency)})
    gifts = gifts_made_from_purchase(purchase_id=purchase.pk)
    if gifts:
        messages.info(request, ngettext(
            "The gift link you made from this purchase has ended: nobody reads the article through it any more.",
            "The %(n)d gift links you made from this purchase have ended: nobody reads the article through them "
            "any more.", gifts) % {"n": gifts})
    return _back_to(purchase.article.get_absolute_url())


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def refund_request(request: HttpRequest, pk: int) -> HttpResponse:
    """After the undo window: the purchase stands, and the reader may ask staff to refund it."""
    purchase = get_object_or_404(selectors.purchases_queryset(reader=request.user), pk=pk)
    if purchase.status != PurchaseStatus.ACTIVE:
        messages.info(request, _("This purchase was already refunded to your balance."))
        return _back_to(reverse("purchases:wallet"))
    open_request = RefundRequest.objects.filter(purchase=purchase, status=RefundRequestStatus.OPEN).first()
    form = RefundRequestForm(request.POST or None)
    if request.method == "POST" and open_request is None and form.is_valid():
        services.request_refund(reader=request.user, purchase_id=purchase.pk, reason=form.cleaned_data["reason"])
        messages.success(request, _("Thank you: your request is with our staff. They will answer by e-mail within "
                                    "three working days; a refund goes back to your balance."))
        return _back_to(reverse("purchases:wallet"))
    return render(request, "purchases/refund_request.html", {
        "purchase": purchase, "form": form, "open_request": open_request,
    }, status=400 if form.errors else 200)


@never_cache
@login_required
@require_GET
def wallet(request: HttpRequest) -> HttpResponse:
    currency = currency_of(request.user)
    return render(request, "purchases/wallet.html", {
        "currency": currency, "currency_name": currency_name(currency),
        "balance": ledger_selectors.wallet_balance(reader=request.user, currency=currency),
        "other_balances": _other_balances(request.user, currency),
        "currency_form": CurrencyForm(initial={"currency": currency}),
        "lines": lines_for(ledger_selectors.history(owner=request.user, kind=AccountKind.WALLET)),
        "purchases": selectors.purchases_of(reader=request.user, limit=50),
        "membership": memberships.active_membership(reader=request.user),
    })


@login_required
@require_POST
def change_currency(request: HttpRequest) -> HttpResponse:
    """The reader's own currency. Money already in the wallet stays in the currency it came in."""
    form = CurrencyForm(request.POST)
    before = currency_of(request.user)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("currency", [])))
        return _back_to(reverse("purchases:wallet"))
    try:
        chosen = choose_currency(reader=request.user, currency=form.cleaned_data["currency"]).currency
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back_to(reverse("purchases:wallet"))
    left = ledger_selectors.wallet_balance(reader=request.user, currency=before) if before != chosen else 0
    message = _("Prices are now shown and charged in %(name)s.") % {"name": currency_name(chosen)}
    if left:
        message += " " + _("Your %(amount)s stays in your wallet as it is: switch back to %(name)s to spend it.") % {
            "amount": money(left, before), "name": currency_name(before)}
    messages.success(request, message)
    return _back_to(reverse("purchases:wallet"))


@never_cache
@login_required
@require_GET
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable receipt for one transfer that touched the reader's wallet, in words, without signs."""
    transfer = get_object_or_404(Transfer.objects.select_related("reverses"), pk=pk)
    entry = Entry.objects.filter(transfer=transfer, account__owner=request.user,
                                 account__kind=AccountKind.WALLET).select_related("account", "transfer",
                                                                                 "transfer__reverses").first()
    if entry is None:
        raise Http404
    [line] = lines_for([entry])
    return render(request, "purchases/receipt.html", {"transfer": transfer, "line": line})


@never_cache
@require_GET
def membership(request: HttpRequest) -> HttpResponse:
    reader = request.user
    current = memberships.active_membership(reader=reader) if reader.is_authenticated else None
    currency = currency_of(reader)
    return render(request, "purchases/membership.html", {
        "offers": memberships.plan_offers(currency=currency), "current": current, "currency": currency,
        "balance": ledger_selectors.wallet_balance(reader=reader, currency=currency) if reader.is_authenticated
        else None,
    })


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
        return _back_to(back)
    currency = currency_of(request.user)
    if request.method == "POST":
        key = _key(request)
        try:
            if request.POST.get("method") == "card":
                checkout = start_card_membership(
                    reader=request.user, plan=plan, idempotency_key=key, quoted_minor=_quoted(request),
                    success_url=request.build_absolute_uri(reverse("payments:return")),
                    cancel_url=request.build_absolute_uri(here))
                return _back_to(checkout.redirect_url)
            if request.POST.get("confirmed") != "yes":
                return _back_to(here)
            joined = memberships.join_with_wallet(reader=request.user, plan=plan, idempotency_key=key,
                                                  currency=(request.POST.get("currency") or "")[:3] or currency,
                                                  quoted_minor=_quoted(request))
        except PriceChanged as changed:
            messages.warning(request, _("The price of this plan in your currency is now %(price)s. Nothing was "
                                        "charged: please check and confirm again.") % {
                "price": money(changed.price_minor, changed.currency)})
            return _back_to(here)
        except NotEnoughInWallet:
            messages.error(request, _("Your balance is too low for this plan. Nothing was charged."))
            return _back_to(here)
        except (PaymentRefused, PurchaseRefused) as refused:
            messages.error(request, str(refused.message))
            return _back_to(here)
        balance = ledger_selectors.wallet_balance(reader=request.user, currency=joined.currency)
        messages.success(request, _("Welcome: you are a member until %(date)s, and every article is open to you. "
                                    "%(price)s was paid from your balance, which is now %(balance)s.") % {
            "date": unbroken_day(joined.period_end),
            "price": money(joined.price_minor, joined.currency), "balance": money(balance, joined.currency)})
        return _back_to(back)
    price = memberships.plan_quote(plan=plan, currency=currency)
    balance = ledger_selectors.wallet_balance(reader=request.user, currency=currency)
    card_methods = method_choices(currency)
    return render(request, "purchases/join.html", {
        "offer": memberships.PlanOffer(plan=plan, price_minor=price, currency=currency), "price": price,
        "currency": currency, "balance": balance, "after": balance - price, "can_afford": balance >= price,
        "key": uuid.uuid4().hex, "card_key": uuid.uuid4().hex,
        "card_possible": price >= card_charge(price_minor=price, balance=0, currency=currency,
                                              method=card_methods[0][0] if card_methods else ""),
        "other_balances": _other_balances(request.user, currency),
    })


@login_required
@require_POST
def cancel_membership(request: HttpRequest) -> HttpResponse:
    try:
        cancelled = payment_services.cancel_membership(reader=request.user)
    except ProviderError:
        log.warning("could not cancel the card subscription of reader %s", request.user.pk, exc_info=True)
        messages.error(request, _("We could not reach the payment provider to stop your card renewal, so nothing "
                                  "has changed. Please try again in a few minutes."))
        return _back_to(reverse("purchases:membership"))
    if cancelled is not None:
        messages.success(request, _("Your membership ends on %(date)s, at the close of this period. Nothing more "
                                    "will be charged.") % {
            "date": unbroken_day(cancelled.period_end)})
    return _back_to(reverse("purchases:membership"))


@never_cache
@login_required
@require_GET
def earnings(request: HttpRequest) -> HttpResponse:
    return render(request, "purchases/earnings.html", {
        "accounts": ledger_selectors.accounts_of(owner=request.user, kind=AccountKind.EARNINGS),
        "lines": lines_for(ledger_selectors.history(owner=request.user, kind=AccountKind.EARNINGS)),
    })


@never_cache
@staff_member_required
@require_GET
def ledger_health(request: HttpRequest) -> HttpResponse:
    found = problems()
    return render(request, "purchases/ledger_health.html", {
        "problems": found, "transfers": Transfer.objects.count()}, status=200)

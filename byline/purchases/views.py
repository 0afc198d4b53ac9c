"""Thin views: unlock (with its confirmation), undo, wallet, receipts, memberships, earnings, ledger health."""

from __future__ import annotations

import logging
import uuid

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from byline.access.decision import decide
from byline.articles.selectors import article_for_reader
from byline.core.templatetags.byline import money
from byline.ledger import selectors as ledger_selectors
from byline.ledger.invariants import problems
from byline.ledger.models import AccountKind, Entry, Transfer
from byline.payments import services as payment_services
from byline.payments.providers.base import ProviderError
from byline.payments.services import (
    IdempotencyConflict,
    PaymentRefused,
    card_amount_for,
    card_shortfall,
    start_card_membership,
    start_card_unlock,
)
from byline.payments.views import chosen_method, method_choices
from byline.purchases import memberships, selectors, services
from byline.purchases.errors import KeyReused, NotEnoughInWallet, PurchaseRefused
from byline.purchases.models import MembershipPlan

log = logging.getLogger("byline.purchases")


def _key(request: HttpRequest) -> str:
    return (request.POST.get("idempotency_key") or "").strip() or uuid.uuid4().hex


def _refused(request: HttpRequest, message: str, *, back: str, status: int = 400) -> HttpResponse:
    return render(request, "purchases/refused.html", {"message": message, "back": back}, status=status)


def _status_of(refused: Exception) -> int:
    """409 for a key already used for a different payment or purchase; 400 for any other refusal."""
    return 409 if isinstance(refused, (IdempotencyConflict, KeyReused)) else 400


def _article(request: HttpRequest, slug: str):
    article = article_for_reader(slug=slug, reader=request.user)
    if article is None:
        raise Http404
    return article


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def unlock(request: HttpRequest, slug: str) -> HttpResponse:
    """GET or a POST from the paywall: the confirmation page. POST with confirmed=yes: buy."""
    article = _article(request, slug)
    back = article.get_absolute_url()
    if decide(request.user, article).allowed:
        messages.info(request, _("You can already read this article in full."))
        return redirect(back + "#full-text")
    if not article.is_live or article.price_minor <= 0:
        return _refused(request, _("This article is not for sale."), back=back)
    key = _key(request)
    error, status = "", 200
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        try:
            services.unlock_with_wallet(reader=request.user, article=article, idempotency_key=key)
        except NotEnoughInWallet as refused:
            error, status = str(refused.message), 409
            key = uuid.uuid4().hex
        except PurchaseRefused as refused:
            return _refused(request, str(refused.message), back=back, status=_status_of(refused))
        else:
            balance = ledger_selectors.wallet_balance(reader=request.user, currency=article.currency)
            messages.success(request, _("Unlocked. Your balance is now %(balance)s.") % {
                "balance": money(balance, article.currency)})
            return redirect(back + "#undo-offer", permanent=False)
    balance = ledger_selectors.wallet_balance(reader=request.user, currency=article.currency)
    # Each method charges at least its own minimum, so each button states its own amount.
    methods = [(name, label, card_amount_for(reader=request.user, article=article, method=name, balance=balance))
               for name, label in method_choices(article.currency)]
    needed = card_shortfall(price_minor=article.price_minor, balance=balance)
    return render(request, "purchases/confirm.html", {
        "article": article, "balance": balance, "after": balance - article.price_minor,
        "can_afford": balance >= article.price_minor, "key": key, "error": error,
        "card_amount": methods[0][2], "card_extra": methods[0][2] - needed, "card_key": uuid.uuid4().hex,
        "methods": methods,
    }, status=status)


@login_required
@require_POST
def unlock_by_card(request: HttpRequest, slug: str) -> HttpResponse:
    article = _article(request, slug)
    back = article.get_absolute_url()
    if decide(request.user, article).allowed:
        return redirect(back + "#full-text")
    try:
        checkout = start_card_unlock(
            reader=request.user, article=article, idempotency_key=_key(request),
            success_url=request.build_absolute_uri(reverse("payments:return")),
            cancel_url=request.build_absolute_uri(back), **chosen_method(request))
    except (PaymentRefused, PurchaseRefused) as refused:
        return _refused(request, str(refused.message), back=back, status=_status_of(refused))
    return redirect(checkout.redirect_url)


@login_required
@require_POST
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        purchase = services.undo_purchase(reader=request.user, purchase_id=pk)
    except PurchaseRefused as refused:
        return _refused(request, str(refused.message), back=reverse("purchases:wallet"))
    messages.success(request, _("Purchase undone: %(amount)s is back in your wallet.") % {
        "amount": money(purchase.price_minor, purchase.currency)})
    return redirect(purchase.article.get_absolute_url())


@never_cache
@login_required
@require_GET
def wallet(request: HttpRequest) -> HttpResponse:
    return render(request, "purchases/wallet.html", {
        "accounts": ledger_selectors.accounts_of(owner=request.user, kind=AccountKind.WALLET),
        "entries": ledger_selectors.history(owner=request.user, kind=AccountKind.WALLET),
        "purchases": selectors.purchases_of(reader=request.user, limit=50),
        "membership": memberships.active_membership(reader=request.user),
    })


@never_cache
@login_required
@require_GET
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable receipt for one transfer that touched the reader's wallet."""
    transfer = get_object_or_404(Transfer.objects.select_related("reverses"), pk=pk)
    entry = Entry.objects.filter(transfer=transfer, account__owner=request.user,
                                 account__kind=AccountKind.WALLET).select_related("account").first()
    if entry is None:
        raise Http404
    purchase = getattr(transfer, "purchase", None) if transfer.kind == "purchase" else None
    return render(request, "purchases/receipt.html", {"transfer": transfer, "entry": entry, "purchase": purchase})


@never_cache
@require_GET
def membership(request: HttpRequest) -> HttpResponse:
    current = memberships.active_membership(reader=request.user) if request.user.is_authenticated else None
    return render(request, "purchases/membership.html", {
        "plans": memberships.plans_offered(), "current": current})


@login_required
@require_POST
def join(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(MembershipPlan, pk=plan_id, active=True)
    back = reverse("purchases:membership")
    key = _key(request)
    try:
        if request.POST.get("method") == "card":
            checkout = start_card_membership(
                reader=request.user, plan=plan, idempotency_key=key,
                success_url=request.build_absolute_uri(reverse("payments:return")),
                cancel_url=request.build_absolute_uri(back))
            return redirect(checkout.redirect_url)
        memberships.join_with_wallet(reader=request.user, plan=plan, idempotency_key=key)
    except (PaymentRefused, PurchaseRefused) as refused:
        return _refused(request, str(refused.message), back=back, status=409)
    messages.success(request, _("Welcome, member: every article is open to you."))
    return redirect(back)


@login_required
@require_POST
def cancel_membership(request: HttpRequest) -> HttpResponse:
    try:
        cancelled = payment_services.cancel_membership(reader=request.user)
    except ProviderError:
        log.warning("could not cancel the card subscription of reader %s", request.user.pk, exc_info=True)
        messages.error(request, _("We could not reach the payment provider to stop your card renewal, so nothing "
                                  "has changed. Please try again in a few minutes."))
        return redirect("purchases:membership")
    if cancelled is not None:
        messages.success(request, _("Your membership ends at the close of this period. Nothing more will be charged."))
    return redirect("purchases:membership")


@never_cache
@login_required
@require_GET
def earnings(request: HttpRequest) -> HttpResponse:
    return render(request, "purchases/earnings.html", {
        "accounts": ledger_selectors.accounts_of(owner=request.user, kind=AccountKind.EARNINGS),
        "entries": ledger_selectors.history(owner=request.user, kind=AccountKind.EARNINGS),
    })


@never_cache
@staff_member_required
@require_GET
def ledger_health(request: HttpRequest) -> HttpResponse:
    found = problems()
    return render(request, "purchases/ledger_health.html", {
        "problems": found, "transfers": Transfer.objects.count()}, status=200)

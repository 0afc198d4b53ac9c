"""Thin views: undo, refund requests, the reader's currency, the membership page, ledger health; and the
helpers the money pages share (post/redirect/get, the posted key and quoted price).

The pages that offer a card or word the wallet's history (the unlock and membership confirmations, card
unlocks, cancelling a membership, the wallet, receipts and earnings) are in `payments` (`card_views`,
`statement_views`), which sits above purchases; their URLs keep the `purchases` namespace (byline/urls.py).

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

from byline.access.selectors import article_for_reader
from byline.core.inputs import ascii_int
from byline.core.money import money
from byline.ledger import selectors as ledger_selectors
from byline.ledger.invariants import problems
from byline.ledger.models import AccountKind, Transfer
from byline.pricing.conversion import currency_name
from byline.pricing.selectors import currency_of
from byline.pricing.services import choose_currency
from byline.purchases import memberships, selectors, services
from byline.purchases.errors import UndoRefused
from byline.purchases.forms import ArticleRefundForm, CurrencyForm, RefundRequestForm, SalesTermsForm
from byline.purchases.models import PurchaseStatus, RefundRequest, RefundRequestStatus
from byline.sharing.selectors import gifts_made_from_purchase

log = logging.getLogger("byline.purchases")


def posted_key(request: HttpRequest) -> str:
    return (request.POST.get("idempotency_key") or "").strip() or uuid.uuid4().hex


def quoted_price(request: HttpRequest) -> int | None:
    """The price the confirmation page showed (its hidden `quoted_price`), or None if the form had none."""
    return ascii_int(request.POST.get("quoted_price"), max_digits=12)


def article_or_404(request: HttpRequest, slug: str):
    article = article_for_reader(slug=slug, reader=request.user)
    if article is None:
        raise Http404
    return article


def other_balances(reader, currency: str) -> list:
    """The reader's wallets in other currencies that hold money: it stays there until they switch back."""
    return [account for account in ledger_selectors.accounts_of(owner=reader, kind=AccountKind.WALLET)
            if account.currency != currency and account.balance > 0]


def back_to(url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(url, status=303)


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
            return back_to(reverse("purchases:refund_request", args=[pk]))
        messages.info(request, str(refused.message))
        return back_to(reverse("purchases:wallet"))
    messages.success(request, _("Purchase undone: %(amount)s is back in your balance.") % {
        "amount": money(purchase.price_minor, purchase.currency)})
    gifts = gifts_made_from_purchase(purchase_id=purchase.pk)
    if gifts:
        messages.info(request, ngettext(
            "The gift link you made from this purchase has ended: nobody reads the article through it any more.",
            "The %(n)d gift links you made from this purchase have ended: nobody reads the article through them "
            "any more.", gifts) % {"n": gifts})
    return back_to(purchase.article.get_absolute_url())


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def refund_request(request: HttpRequest, pk: int) -> HttpResponse:
    """After the undo window: the purchase stands, and the reader may ask staff to refund it."""
    purchase = get_object_or_404(selectors.purchases_queryset(reader=request.user), pk=pk)
    if purchase.status != PurchaseStatus.ACTIVE:
        messages.info(request, _("This purchase was already refunded to your balance."))
        return back_to(reverse("purchases:wallet"))
    open_request = RefundRequest.objects.filter(purchase=purchase, status=RefundRequestStatus.OPEN).first()
    if services.may_refund_on_request(reader=request.user, purchase=purchase):
        # The article allows it and the reader has refunds left: no need to ask anyone.
        return render(request, "purchases/refund_now.html", {
            "purchase": purchase, "deadline": services.refund_deadline(purchase),
            "left": services.refunds_left(reader=request.user)})
    form = RefundRequestForm(request.POST or None)
    if request.method == "POST" and open_request is None and form.is_valid():
        services.request_refund(reader=request.user, purchase_id=purchase.pk, reason=form.cleaned_data["reason"])
        messages.success(request, _("Thank you: your request is with our staff. They will answer by e-mail within "
                                    "three working days; a refund goes back to your balance."))
        return back_to(reverse("purchases:wallet"))
    return render(request, "purchases/refund_request.html", {
        "purchase": purchase, "form": form, "open_request": open_request,
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def refund_now(request: HttpRequest, pk: int) -> HttpResponse:
    """The buyer's own refund, within the hours the article allows: back to the article, which is locked again."""
    try:
        purchase = services.refund_on_request(reader=request.user, purchase_id=pk)
    except UndoRefused as refused:
        if refused.code == "missing":
            raise Http404 from None
        messages.warning(request, str(refused.message))
        return back_to(reverse("purchases:refund_request", args=[pk]) if refused.code in ("window", "limit")
                       else reverse("purchases:wallet"))
    messages.success(request, _("Refunded: %(amount)s is back in your balance.") % {
        "amount": money(purchase.price_minor, purchase.currency)})
    return back_to(purchase.article.get_absolute_url())


@login_required
@require_POST
def change_currency(request: HttpRequest) -> HttpResponse:
    """The reader's own currency. Money already in the wallet stays in the currency it came in."""
    form = CurrencyForm(request.POST)
    before = currency_of(request.user)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("currency", [])))
        return back_to(reverse("purchases:wallet"))
    try:
        chosen = choose_currency(reader=request.user, currency=form.cleaned_data["currency"]).currency
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return back_to(reverse("purchases:wallet"))
    left = ledger_selectors.wallet_balance(reader=request.user, currency=before) if before != chosen else 0
    message = _("Prices are now shown and charged in %(name)s.") % {"name": currency_name(chosen)}
    if left:
        message += " " + _("Your %(amount)s stays in your wallet as it is: switch back to %(name)s to spend it.") % {
            "amount": money(left, before), "name": currency_name(before)}
    messages.success(request, message)
    return back_to(reverse("purchases:wallet"))


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
def sales_settings(request: HttpRequest) -> HttpResponse:
    """A writer's sales terms: the referral commission and refunds on request (all articles, or one)."""
    from byline.articles.models import Article, Author, Visibility
    from byline.articles.services import set_article_refund_hours, set_sales_terms
    from byline.core import errors

    author = Author.objects.filter(user=request.user).first()
    if author is None:
        raise errors.Refused(_("This page is for authors."))
    here = reverse("purchases:sales_settings")
    form = SalesTermsForm(request.POST if request.POST.get("form") == "terms" else None, initial={
        "referral_percent": author.referral_percent, "refund_hours": author.refund_hours})
    article_form = ArticleRefundForm(request.POST if request.POST.get("form") == "article" else None)
    if form.is_bound and form.is_valid():
        set_sales_terms(author=author, **form.cleaned_data)
        messages.success(request, _("Saved."))
        return back_to(here)
    if article_form.is_bound and article_form.is_valid():
        article = get_object_or_404(Article, author=author, slug=article_form.cleaned_data["article"])
        set_article_refund_hours(article=article, hours=article_form.cleaned_data["hours"])
        messages.success(request, _("Saved."))
        return back_to(here)
    articles = list(Article.objects.filter(author=author).exclude(visibility=Visibility.FREE)
                    .order_by("-published_at", "-pk")[:100])
    return render(request, "purchases/sales_settings.html", {
        "form": form, "article_form": article_form, "articles": articles,
        "rows": [(article, services.refund_hours_for(article)) for article in articles],
    }, status=400 if form.errors or article_form.errors else 200)


@never_cache
@staff_member_required
@require_GET
def ledger_health(request: HttpRequest) -> HttpResponse:
    found = problems()
    return render(request, "purchases/ledger_health.html", {
        "problems": found, "transfers": Transfer.objects.count()}, status=200)

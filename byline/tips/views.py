"""Thin views: choose a tip (GET form), confirm it (GET page; POST moves the money and redirects), the tip's
receipt with its undo offer, and the writer's setting. The confirmation restates the amount, the balance now
and after, as a purchase's does; the POST carries an idempotency key and answers 303."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from byline.access.selectors import article_for_reader
from byline.articles.models import Author
from byline.core import errors
from byline.core.templatetags.byline import money
from byline.ledger import selectors as ledger_selectors
from byline.payments.models import Checkout
from byline.payments.providers.base import ProviderError
from byline.payments.qr_views import METHOD_NAMES
from byline.payments.services import PaymentRefused, minimum_charge
from byline.payments.views import chosen_method, method_choices
from byline.pricing.selectors import currency_of
from byline.purchases.errors import PurchaseRefused
from byline.tips import card, selectors, services
from byline.tips.errors import TipRefused
from byline.tips.forms import TipForm, TipSettingsForm
from byline.tips.models import Tip, TipStatus


def _back_to(url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(url, status=303)


def _tippable(request: HttpRequest, slug: str):
    article = article_for_reader(slug=slug, reader=request.user)
    if article is None or not article.is_live:
        raise Http404
    if not selectors.accepts_tips(article):
        messages.info(request, _("The writer of this article does not take tips."))
        return article, _back_to(article.get_absolute_url())
    if article.author.user_id == request.user.pk:
        messages.info(request, _("You cannot tip yourself."))
        return article, _back_to(article.get_absolute_url())
    return article, None


def _form(request: HttpRequest, currency: str) -> TipForm:
    low, high = selectors.limits(currency)
    labels = {v: money(v, currency) for v in selectors.presets(currency)}
    labels.update(low=money(low, currency), high=money(high, currency))
    return TipForm(request.GET or None, currency=currency, labels=labels)


@never_cache
@login_required
@require_GET
def choose(request: HttpRequest, slug: str) -> HttpResponse:
    article, away = _tippable(request, slug)
    if away:
        return away
    currency = currency_of(request.user)
    form = _form(request, currency)
    if not request.reading.caring and not request.GET:
        # The standard page suggests a middle amount; the caring version never preselects one.
        form.initial["amount"] = str(selectors.presets(currency)[2])
    return render(request, "tips/choose.html", {"article": article, "form": form, "currency": currency,
                                                "balance": ledger_selectors.wallet_balance(
                                                    reader=request.user, currency=currency)})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, slug: str) -> HttpResponse:
    article, away = _tippable(request, slug)
    if away:
        return away
    here = reverse("tips:tip", args=[article.slug])
    if request.method == "POST":
        return _give(request, article, here)
    currency = currency_of(request.user)
    form = _form(request, currency)
    if not form.is_valid():
        return render(request, "tips/choose.html", {"article": article, "form": form, "currency": currency,
                                                    "balance": ledger_selectors.wallet_balance(
                                                        reader=request.user, currency=currency)}, status=400)
    amount = form.cleaned_data["amount_minor"]
    balance = ledger_selectors.wallet_balance(reader=request.user, currency=currency)
    offered = method_choices(currency)
    methods = card.payable_by(methods=offered, amount_minor=amount, currency=currency)
    return render(request, "tips/confirm.html", {
        "article": article, "amount": amount, "currency": currency, "balance": balance, "after": balance - amount,
        "can_afford": balance >= amount, "key": uuid.uuid4().hex, "message": form.cleaned_data["message"],
        "anonymous": form.cleaned_data["anonymous"], "back": here, "card_key": uuid.uuid4().hex,
        "methods": methods,
        # The site's card provider alone gets one plain "Pay by card" button; any other choice, the method list.
        "card_only": [name for name, _label, _amount in methods] == [settings.PAYMENT_PROVIDER],
        # Methods that cannot charge so little: the smallest amount each would take.
        "too_small": [(label, minimum_charge(currency=currency, method=name)) for name, label in offered
                      if name not in {m[0] for m in methods}],
    })


@login_required
@require_POST
def by_card(request: HttpRequest, slug: str) -> HttpResponse:
    """Pay this tip by card, WeChat Pay or Alipay, for the exact amount: a checkout with the purpose "tip"
    (`card.start_card_tip`); the tip is given when the provider confirms the payment, and the reader lands on
    the payment's return page, which says so."""
    article, away = _tippable(request, slug)
    if away:
        return away
    currency = currency_of(request.user)
    amount = request.POST.get("amount", "")
    message = request.POST.get("message", "")[:280]
    anonymous = request.POST.get("anonymous") == "yes"
    back = reverse("tips:confirm", args=[article.slug]) + "?" + urlencode({
        "amount": "custom", "custom": _major(int(amount), currency) if _is_amount(amount) else "",
        "message": message, **({"anonymous": "on"} if anonymous else {})})
    if not _is_amount(amount):
        messages.error(request, _("Please choose an amount within the limits shown."))
        return _back_to(reverse("tips:tip", args=[article.slug]))
    try:
        checkout = card.start_card_tip(
            tipper=request.user, article=article, amount_minor=int(amount), currency=currency,
            idempotency_key=request.POST.get("idempotency_key") or uuid.uuid4().hex, message=message,
            anonymous=anonymous, success_url=request.build_absolute_uri(reverse("payments:return")),
            cancel_url=request.build_absolute_uri(back), **chosen_method(request))
    except TipRefused as refused:
        messages.error(request, str(refused.message))
        return _back_to(reverse("tips:tip", args=[article.slug]))
    except (PaymentRefused, PurchaseRefused, ProviderError) as refused:  # PurchaseRefused: a key too long
        messages.error(request, str(getattr(refused, "message", "")) or _("The card payment could not be started."))
        return _back_to(back)
    return _back_to(checkout.redirect_url)


def _is_amount(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 9


def _major(minor: int, currency: str) -> str:
    exponent = settings.CURRENCIES.get(currency, 2)
    whole, fraction = divmod(minor, 10**exponent)
    return f"{whole}.{fraction:0{exponent}d}" if exponent else str(whole)


def _give(request: HttpRequest, article, here: str) -> HttpResponse:
    if request.POST.get("confirmed") != "yes":
        return _back_to(here)
    currency = (request.POST.get("currency") or "")[:3]
    amount = request.POST.get("amount", "")
    if not _is_amount(amount):
        messages.error(request, _("Please choose an amount within the limits shown."))
        return _back_to(here)
    try:
        tip = services.tip_from_wallet(
            tipper=request.user, article=article, amount_minor=int(amount), currency=currency,
            idempotency_key=request.POST.get("idempotency_key", ""), message=request.POST.get("message", ""),
            anonymous=request.POST.get("anonymous") == "yes")
    except TipRefused as refused:
        messages.error(request, str(refused.message))
        return _back_to(here)
    return _back_to(reverse("tips:receipt", args=[tip.pk]))


@never_cache
@login_required
@require_GET
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    tip = get_object_or_404(Tip.objects.select_related("article__author"), pk=pk, tipper=request.user)
    undoable = tip.status == TipStatus.ACTIVE and timezone.now() <= services.undo_deadline(tip)
    return render(request, "tips/receipt.html", {
        "tip": tip, "article": tip.article, "undoable": undoable, "paid_with": _paid_with(tip),
        "balance": ledger_selectors.wallet_balance(reader=request.user, currency=tip.currency)})


def _paid_with(tip: Tip) -> str:
    """"Card", "WeChat Pay", "Alipay" for a tip a checkout paid for (its key names the checkout), else ""."""
    prefix = f"tip:r{tip.tipper_id}:checkout-"
    if not tip.idempotency_key.startswith(prefix):
        return ""
    provider = (Checkout.objects.filter(reference=tip.idempotency_key[len(prefix):], reader_id=tip.tipper_id)
                .values_list("provider", flat=True).first())
    return str(METHOD_NAMES.get(provider, _("Card"))) if provider else ""


@login_required
@require_POST
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        tip = services.undo_tip(tipper=request.user, tip_id=pk)
    except TipRefused as refused:
        if refused.code == "missing":
            raise Http404 from None
        messages.warning(request, str(refused.message))
        return _back_to(reverse("tips:receipt", args=[pk]))
    messages.success(request, _("Tip undone: %(amount)s is back in your balance.") % {
        "amount": money(tip.amount_minor, tip.currency)})
    return _back_to(tip.article.get_absolute_url())


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    author = Author.objects.filter(user=request.user).first()
    if author is None:
        raise errors.Refused(_("This page is for authors."))
    current = getattr(author, "tip_settings", None)
    form = TipSettingsForm(request.POST or None, initial={"accepts_tips": current.accepts_tips if current else True})
    if request.method == "POST" and form.is_valid():
        services.set_accepts_tips(author=author, accepts=form.cleaned_data["accepts_tips"])
        messages.success(request, _("Saved."))
        return _back_to(reverse("tips:settings"))
    return render(request, "tips/settings.html", {"form": form})

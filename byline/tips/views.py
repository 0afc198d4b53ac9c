"""Thin views for the tip pages that only know the wallet: choose a tip (GET form), give it from the wallet (the
confirmation's POST, `give`), undo it, and the writer's setting. The pages that also offer a card, WeChat Pay
or Alipay (the confirmation, paying by card, the receipt that names how it was paid) live in payments
(`payments/tip_views.py`), above tips, and use the helpers here; every tip page keeps the `tips` namespace.
A POST carries an idempotency key and answers 303."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from byline.access.selectors import article_for_reader
from byline.articles.models import Author
from byline.core import errors
from byline.core.money import money
from byline.ledger import selectors as ledger_selectors
from byline.pricing.selectors import currency_of
from byline.tips import selectors, services
from byline.tips.errors import TipRefused
from byline.tips.forms import TipForm, TipSettingsForm


def back_to(url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(url, status=303)


def tippable(request: HttpRequest, slug: str):
    article = article_for_reader(slug=slug, reader=request.user)
    if article is None or not article.is_live:
        raise Http404
    if not selectors.accepts_tips(article):
        messages.info(request, _("The writer of this article does not take tips."))
        return article, back_to(article.get_absolute_url())
    if article.author.user_id == request.user.pk:
        messages.info(request, _("You cannot tip yourself."))
        return article, back_to(article.get_absolute_url())
    return article, None


def tip_form(request: HttpRequest, currency: str) -> TipForm:
    low, high = selectors.limits(currency)
    labels = {v: money(v, currency) for v in selectors.presets(currency)}
    labels.update(low=money(low, currency), high=money(high, currency))
    return TipForm(request.GET or None, currency=currency, labels=labels)


def choose_page(request: HttpRequest, article, form: TipForm, currency: str, *, status: int = 200) -> HttpResponse:
    """The choice of amount (again, with the form's errors, when the confirmation was asked for a wrong one)."""
    return render(request, "tips/choose.html", {
        "article": article, "form": form, "currency": currency,
        "balance": ledger_selectors.wallet_balance(reader=request.user, currency=currency)}, status=status)


@never_cache
@login_required
@require_GET
def choose(request: HttpRequest, slug: str) -> HttpResponse:
    article, away = tippable(request, slug)
    if away:
        return away
    currency = currency_of(request.user)
    form = tip_form(request, currency)
    if not request.reading.caring and not request.GET:
        # The standard page suggests a middle amount; the caring version never preselects one.
        form.initial["amount"] = str(selectors.presets(currency)[2])
    return choose_page(request, article, form, currency)


def is_amount(text: str) -> bool:
    """A posted amount in minor units that int() takes and no limit check can overflow."""
    return text.isascii() and text.isdigit() and len(text) <= 9


def major(minor: int, currency: str) -> str:
    """Minor units as the form's "another amount" field takes them ("12.50"), to bring the reader back to it."""
    exponent = settings.CURRENCIES.get(currency, 2)
    whole, fraction = divmod(minor, 10**exponent)
    return f"{whole}.{fraction:0{exponent}d}" if exponent else str(whole)


def give(request: HttpRequest, article, here: str) -> HttpResponse:
    """The confirmation's POST (payments.tip_views.confirm): give the tip from the wallet, then its receipt."""
    if request.POST.get("confirmed") != "yes":
        return back_to(here)
    currency = (request.POST.get("currency") or "")[:3]
    amount = request.POST.get("amount", "")
    if not is_amount(amount):
        messages.error(request, _("Please choose an amount within the limits shown."))
        return back_to(here)
    try:
        tip = services.tip_from_wallet(
            tipper=request.user, article=article, amount_minor=int(amount), currency=currency,
            idempotency_key=request.POST.get("idempotency_key", ""), message=request.POST.get("message", ""),
            anonymous=request.POST.get("anonymous") == "yes")
    except TipRefused as refused:
        messages.error(request, str(refused.message))
        return back_to(here)
    return back_to(reverse("tips:receipt", args=[tip.pk]))


@login_required
@require_POST
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        tip = services.undo_tip(tipper=request.user, tip_id=pk)
    except TipRefused as refused:
        if refused.code == "missing":
            raise Http404 from None
        messages.warning(request, str(refused.message))
        return back_to(reverse("tips:receipt", args=[pk]))
    messages.success(request, _("Tip undone: %(amount)s is back in your balance.") % {
        "amount": money(tip.amount_minor, tip.currency)})
    return back_to(tip.article.get_absolute_url())


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
        return back_to(reverse("tips:settings"))
    return render(request, "tips/settings.html", {"form": form})

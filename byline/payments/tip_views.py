"""The tip pages that offer a card, WeChat Pay or Alipay as well as the wallet: the confirmation (each method
that can charge the tip's amount), paying a tip by card, and the tip's receipt (which names how it was paid).

They live in payments, above tips, so that tips never imports payments (payments' settlement gives a card tip
through `tips.services`); their URLs keep the `tips` namespace and paths (`tip_urls`, joined to tips' own in
byline/urls.py). The wallet side (choosing, giving from the wallet, undoing) stays in `tips.views`.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from byline.ledger import selectors as ledger_selectors
from byline.payments.card_views import to_provider
from byline.payments.checkout import minimum_charge, start_card_tip, tip_methods
from byline.payments.qr_views import METHOD_NAMES
from byline.payments.selectors import provider_of_tip
from byline.payments.views import chosen_method, method_choices
from byline.pricing.selectors import currency_of
from byline.tips import services
from byline.tips.errors import TipRefused
from byline.tips.models import Tip, TipStatus
from byline.tips.views import back_to, choose_page, give, is_amount, major, tip_form, tippable


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the amount, the balance now and after, and the methods that can charge it. POST: give from the
    wallet (`tips.views.give`)."""
    article, away = tippable(request, slug)
    if away:
        return away
    here = reverse("tips:tip", args=[article.slug])
    if request.method == "POST":
        return give(request, article, here)
    currency = currency_of(request.user)
    form = tip_form(request, currency)
    if not form.is_valid():
        return choose_page(request, article, form, currency, status=400)
    amount = form.cleaned_data["amount_minor"]
    balance = ledger_selectors.wallet_balance(reader=request.user, currency=currency)
    offered = method_choices(currency)
    methods = tip_methods(methods=offered, amount_minor=amount, currency=currency)
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
    """Pay this tip by card, WeChat Pay or Alipay, for the exact amount (`checkout.start_card_tip`); the tip is
    given when the provider confirms the payment, and the reader lands on the payment's return page, which
    says so. A refusal by payments goes back to the confirmation with the same choices; a tip refused as such
    (no longer taken, an amount outside the limits), to the choice."""
    article, away = tippable(request, slug)
    if away:
        return away
    choice = reverse("tips:tip", args=[article.slug])
    amount = request.POST.get("amount", "")
    if not is_amount(amount):
        messages.error(request, _("Please choose an amount within the limits shown."))
        return back_to(choice)
    currency = currency_of(request.user)
    message = request.POST.get("message", "")[:280]
    anonymous = request.POST.get("anonymous") == "yes"
    again = reverse("tips:confirm", args=[article.slug]) + "?" + urlencode({
        "amount": "custom", "custom": major(int(amount), currency), "message": message,
        **({"anonymous": "on"} if anonymous else {})})
    try:
        return to_provider(request, lambda success_url: start_card_tip(
            tipper=request.user, article=article, amount_minor=int(amount), currency=currency,
            idempotency_key=request.POST.get("idempotency_key") or uuid.uuid4().hex, message=message,
            anonymous=anonymous, success_url=success_url, cancel_url=request.build_absolute_uri(again),
            **chosen_method(request)), on_refusal=again)
    except TipRefused as refused:
        messages.error(request, str(refused.message))
        return back_to(choice)


@never_cache
@login_required
@require_GET
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The tip, how it was paid ("" from the wallet), and the undo offer while its window is open."""
    tip = get_object_or_404(Tip.objects.select_related("article__author"), pk=pk, tipper=request.user)
    undoable = tip.status == TipStatus.ACTIVE and timezone.now() <= services.undo_deadline(tip)
    provider = provider_of_tip(tip)
    return render(request, "tips/receipt.html", {
        "tip": tip, "article": tip.article, "undoable": undoable,
        "paid_with": str(METHOD_NAMES.get(provider, _("Card"))) if provider else "",
        "balance": ledger_selectors.wallet_balance(reader=request.user, currency=tip.currency)})

"""Top-up form, the return page after a checkout, the sandbox's hosted checkout, and webhooks."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from byline.core.addresses import client_address
from byline.ledger import selectors as ledger_selectors
from byline.payments.checkout import start_topup
from byline.payments.errors import IdempotencyConflict, PaymentRefused
from byline.payments.forms import TopUpForm
from byline.payments.models import Checkout, SandboxPayment
from byline.payments.providers import provider_class, sandbox
from byline.payments.providers.base import PaymentProvider
from byline.payments.providers.config import methods_for
from byline.payments.selectors import checkout_result
from byline.payments.webhooks import receive
from byline.pricing.conversion import currency_name
from byline.pricing.selectors import currency_of


def method_choices(currency: str) -> list[tuple[str, str]]:
    from byline.payments.qr_views import METHOD_NAMES

    return [(name, METHOD_NAMES.get(name, name)) for name in methods_for(currency)]


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def top_up(request: HttpRequest) -> HttpResponse:
    """A top-up in the reader's own currency (pricing): its presets, or another amount typed in."""
    currency = currency_of(request.user)
    form = TopUpForm(request.POST or None, currency=currency, initial={"idempotency_key": uuid.uuid4().hex})
    error, status = "", 200
    if request.method == "POST" and form.is_valid():
        try:
            checkout = start_topup(
                reader=request.user, amount_minor=form.cleaned_data["amount_minor"], currency=currency,
                idempotency_key=form.cleaned_data["idempotency_key"],
                success_url=request.build_absolute_uri(reverse("payments:return")),
                cancel_url=request.build_absolute_uri(reverse("payments:top_up")), **chosen_method(request))
        except PaymentRefused as refused:
            error, status = refused.message, 409 if isinstance(refused, IdempotencyConflict) else 400
        else:
            return redirect(checkout.redirect_url)
    if form.errors:
        status = 400
    methods = method_choices(currency)
    return render(request, "payments/top_up.html", {
        "form": form, "error": error, "methods": methods, "currency": currency,
        # The site's card provider alone gets one plain button; any other choice, the method list.
        "card_only": [name for name, _label in methods] == [settings.PAYMENT_PROVIDER],
        "currency_name": currency_name(currency),
        "balance": ledger_selectors.wallet_balance(reader=request.user, currency=currency)}, status=status)


@never_cache
@login_required
@require_GET
def checkout_return(request: HttpRequest) -> HttpResponse:
    """Where the reader lands after paying: what the payment bought, in words."""
    checkout = Checkout.objects.filter(reference=request.GET.get("ref", "")[:40], reader=request.user).select_related(
        "article", "plan", "reader").first()
    if checkout is None:
        raise Http404
    balance = ledger_selectors.wallet_balance(reader=request.user, currency=checkout.currency)
    return render(request, "payments/return.html", {
        "result": checkout_result(checkout=checkout), "checkout": checkout, "balance": balance})


@never_cache
@require_http_methods(["GET", "POST"])
def sandbox_checkout(request: HttpRequest, ref: str) -> HttpResponse:
    """The sandbox provider's hosted page: the payer enters a test card."""
    payment = get_object_or_404(SandboxPayment, ref=ref)
    card_error, card_number = "", ""
    if request.method == "POST":
        card_number = request.POST.get("card_number", "")[:40]
        if not card_number.strip():
            card_error = _("Enter a card number.")
        else:
            state = sandbox.pay(payment=payment, card_number=card_number)
            if state == "succeeded":
                return redirect(payment.success_url)
            if state == "requires_action":
                return redirect("payments:sandbox_confirm", ref=ref)
            # A refused card: the page, asked for again, says why and takes another card (no resubmission on Back).
            return redirect("payments:sandbox_checkout", ref=ref)
    status = 400 if card_error else 402 if payment.state == "failed" else 200
    return render(request, "payments/sandbox_checkout.html", {
        "payment": payment, "card_error": card_error, "card_number": card_number, "cards": [
            (sandbox.SUCCESS, "success"), (sandbox.DECLINED, "declined"), (sandbox.INSUFFICIENT, "insufficient"),
            (sandbox.NEEDS_CONFIRMATION, "confirm")]}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def sandbox_confirm(request: HttpRequest, ref: str) -> HttpResponse:
    """The sandbox's extra confirmation step (like a bank's 3-D Secure page)."""
    payment = get_object_or_404(SandboxPayment, ref=ref)
    if request.method == "POST":
        state = sandbox.confirm(payment=payment, approve=request.POST.get("answer") == "approve")
        if state == "succeeded":
            return redirect(payment.success_url)
        return redirect("payments:sandbox_checkout", ref=ref)
    if payment.state != "requires_action":
        return redirect("payments:sandbox_checkout", ref=ref)
    return render(request, "payments/sandbox_confirm.html", {"payment": payment})


def payment_channel(request: HttpRequest) -> str:
    """QR code on a desktop; the provider's mobile page in a phone's browser."""
    agent = request.headers.get("User-Agent", "")
    return "mobile" if any(word in agent for word in ("Mobile", "Android", "iPhone")) else "qr"


def chosen_method(request: HttpRequest) -> dict[str, str]:
    """The payment method the reader pressed (checked against the currency by the service)."""
    method = request.POST.get("method", "")[:20]
    return {"method": method, "channel": payment_channel(request),
            "client_ip": client_address(request)} if method else {}


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, provider: str) -> HttpResponse:
    receipt = receive(provider_name=provider, body=request.body, headers=request.headers)
    try:
        kind = provider_class(provider)
    except KeyError:
        kind = PaymentProvider
    answer = kind.webhook_answer(status=receipt.status, detail=receipt.detail)
    return HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)

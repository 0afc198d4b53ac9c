"""Thin views: the writer's payouts page, payout method set-up, the request with its confirmation, monthly
statements (HTML, CSV, PDF), the operator's page and export, the sandbox's onboarding page, and notifications."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from byline.core.money import money
from byline.payouts import selectors, services
from byline.payouts.forms import AmountForm, BankRecordForm, MethodForm
from byline.payouts.models import MethodStatus, Payout, PayoutMethod, PayoutStatus, SandboxPayee
from byline.payouts.notices import receive
from byline.payouts.providers import LABELS, provider_class
from byline.payouts.providers import sandbox as sandbox_provider
from byline.payouts.providers.base import PayoutProviderError
from byline.payouts.statements import decimal, payouts_csv, statement_csv, statement_pdf

log = logging.getLogger(__name__)


def _writer(request: HttpRequest):
    """Authors, and anyone who has earned, have a payouts page; nobody else."""
    user = request.user
    if hasattr(user, "author") or selectors.balances_of(writer=user):
        return user
    raise PermissionDenied


def _currency(code: str) -> str:
    if code not in settings.CURRENCIES:
        raise Http404
    return code


def _currencies(writer, balances) -> list[str]:
    """Every currency the writer earns in, or has a method for; at least the site's main ones."""
    found = {balance.currency for balance in balances} | {m.currency for m in selectors.live_methods(writer=writer)}
    return sorted(found) or ["USD", "CNY"]


@never_cache
@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    writer = _writer(request)
    balances = {balance.currency: balance for balance in selectors.balances_of(writer=writer)}
    methods = {method.currency: method for method in selectors.live_methods(writer=writer)}
    currencies = _currencies(writer, balances.values())
    rows = [{"currency": code, "balance": balances.get(code) or selectors.Balance(
        currency=code, minimum=selectors.minimum_payout(code)), "method": methods.get(code),
        "provider_label": LABELS.get(methods[code].provider, "") if code in methods else "",
        "months": selectors.statement_months(writer=writer, currency=code)[:12]} for code in currencies]
    lines = []
    for code in currencies:
        account = selectors.earnings_account(writer=writer, currency=code)
        if account is not None:
            lines += [(code, line) for line in selectors.lines_of(account, limit=50)]
    lines.sort(key=lambda item: item[1].at, reverse=True)
    return render(request, "payouts/home.html", {
        "rows": rows, "payouts": selectors.payouts_of(writer=writer, limit=50), "lines": lines[:50],
        "hold_days": settings.PAYOUT_HOLD_DAYS, "approval": settings.PAYOUT_APPROVAL})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def method(request: HttpRequest, currency: str) -> HttpResponse:
    writer, currency = _writer(request), _currency(currency)
    current = selectors.method_for(writer=writer, currency=currency)
    initial = {"provider": current.provider, "schedule": current.schedule, "holder_name": current.holder_name,
               "account_ref": current.account_ref if current.provider == "alipay" else "",
               "bank_details": current.bank_details} if current else {}
    form = MethodForm(request.POST or None, currency=currency, initial=initial)
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            chosen = services.set_up_method(
                writer=writer, provider=data["provider"], currency=currency, schedule=data["schedule"],
                account_ref=data["account_ref"], holder_name=data["holder_name"], bank_details=data["bank_details"])
            if chosen.status != MethodStatus.READY and provider_class(chosen.provider).onboarding:
                return redirect(_onboarding_url(request, chosen))
        except services.PayoutRefused as refused:
            error = refused.message
        except PayoutProviderError:
            log.warning("payout onboarding for writer %s could not start", writer.pk, exc_info=True)
            error = _("The payout service could not be reached. Your choice is saved; please continue the set-up "
                      "in a few minutes.")
        else:
            messages.success(request, _("Saved: your %(currency)s earnings go to %(method)s.") % {
                "currency": currency, "method": LABELS.get(chosen.provider, chosen.provider)})
            return redirect("payouts:home")
    status = 400 if (request.method == "POST" and (form.errors or error)) else 200
    return render(request, "payouts/method.html", {
        "form": form, "currency": currency, "current": current, "error": error,
        "fields_by_provider": {name: list(provider_class(name).fields) for name, _label in
                               form.fields["provider"].choices},
    }, status=status)


def _onboarding_url(request: HttpRequest, method: PayoutMethod) -> str:
    """Start the provider's onboarding with a one-time state kept in this writer's session: only the browser that
    started it can finish it, so nobody can bind their own account to another writer's method."""
    state = secrets.token_urlsafe(24)
    request.session[f"payout-onboarding-{method.pk}"] = state
    back = request.build_absolute_uri(reverse("payouts:onboarding_return", kwargs={"pk": method.pk}))
    return services.start_onboarding(method=method, return_url=back, state=state)


def _own_method(request: HttpRequest, pk: int) -> PayoutMethod:
    return get_object_or_404(PayoutMethod.objects.exclude(status=MethodStatus.REMOVED), pk=pk, writer=request.user)


@login_required
@require_POST
def onboard(request: HttpRequest, pk: int) -> HttpResponse:
    chosen = _own_method(request, pk)
    try:
        return redirect(_onboarding_url(request, chosen))
    except PayoutProviderError:
        messages.error(request, _("The payout service could not be reached. Please try again in a few minutes."))
        return redirect("payouts:home")


@never_cache
@login_required
@require_GET
def onboarding_return(request: HttpRequest, pk: int) -> HttpResponse:
    chosen = _own_method(request, pk)
    expected = request.session.pop(f"payout-onboarding-{chosen.pk}", "")
    if not expected or not constant_time_compare(expected, request.GET.get("state", "")):
        messages.error(request, _("The set-up did not finish. You can continue it from this page."))
        return redirect("payouts:home")
    try:
        chosen = services.finish_onboarding(method=chosen, query=request.GET)
    except PayoutProviderError:
        log.warning("payout onboarding of method %s did not finish", chosen.pk, exc_info=True)
        messages.error(request, _("The set-up did not finish. You can continue it from this page."))
        return redirect("payouts:home")
    if chosen.status == MethodStatus.READY:
        messages.success(request, _("Your payout account is ready."))
    else:
        messages.info(request, _("The provider still needs some details from you before it can pay you."))
    return redirect("payouts:home")


@login_required
@require_POST
def change_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    chosen = _own_method(request, pk)
    try:
        services.change_schedule(method=chosen, schedule=request.POST.get("schedule", ""))
    except services.PayoutRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Saved."))
    return redirect("payouts:home")


@login_required
@require_POST
def remove_method(request: HttpRequest, pk: int) -> HttpResponse:
    services.remove_method(method=_own_method(request, pk))
    messages.success(request, _("Removed. Payouts already on their way still arrive."))
    return redirect("payouts:home")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def request_payout(request: HttpRequest, currency: str) -> HttpResponse:
    """GET: the confirmation, restating the amount and where it goes. POST with confirmed=yes: pay out."""
    writer, currency = _writer(request), _currency(currency)
    balance = selectors.balance_of(writer=writer, currency=currency)
    chosen = selectors.method_for(writer=writer, currency=currency)
    if chosen is None or chosen.status != MethodStatus.READY:
        messages.info(request, _("Set up where your money goes first."))
        return redirect("payouts:method", currency=currency)
    form = AmountForm(request.POST or None, currency=currency,
                      initial={"amount": decimal(balance.payable, currency), "idempotency_key": uuid.uuid4().hex})
    error, status = "", 200
    if request.method == "POST" and form.is_valid() and request.POST.get("confirmed") == "yes":
        try:
            payout = services.pay_out(writer=writer, currency=currency, amount_minor=form.cleaned_data["amount"],
                                      idempotency_key=form.cleaned_data["idempotency_key"])
        except services.PayoutRefused as refused:
            error, status = refused.message, 409
        else:
            messages.success(request, _status_message(payout))
            return redirect("payouts:home")
    elif request.method == "POST":
        status = 400
    return render(request, "payouts/confirm.html", {
        "form": form, "balance": balance, "method": chosen, "currency": currency, "error": error,
        "provider_label": LABELS.get(chosen.provider, chosen.provider), "approval": settings.PAYOUT_APPROVAL,
    }, status=status)


def _status_message(payout: Payout) -> str:
    amount = money(payout.amount_minor, payout.currency)
    return {
        PayoutStatus.REQUESTED: _("Requested: %(amount)s. Our staff approve payouts before they are sent."),
        PayoutStatus.PAID: _("Paid: %(amount)s is on its way to your account."),
        PayoutStatus.IN_FLIGHT: _("Sent: %(amount)s is on its way."),
        PayoutStatus.SENDING: _("Requested: %(amount)s. The payout service is slow to answer; we keep trying."),
        PayoutStatus.FAILED: _("The payout of %(amount)s failed and the money is back in your balance."),
    }.get(payout.status, _("Payout of %(amount)s recorded.")) % {"amount": amount}


@login_required
@require_POST
def cancel(request: HttpRequest, reference: str) -> HttpResponse:
    payout = get_object_or_404(Payout, reference=reference, writer=request.user)
    payout = services.cancel_payout(payout=payout, reason="cancelled by the writer")
    if payout.status == PayoutStatus.CANCELLED:
        messages.success(request, _("Cancelled: the money is back in your balance."))
    else:
        messages.error(request, _("This payout is already on its way and cannot be cancelled."))
    return redirect("payouts:home")


# Statements ---------------------------------------------------------------------------------------------------

def _statement(request: HttpRequest, currency: str, year: int, month: int):
    writer, currency = _writer(request), _currency(currency)
    if not (1 <= month <= 12 and 2000 <= year <= timezone.now().year + 1):
        raise Http404
    return selectors.statement(writer=writer, currency=currency, year=year, month=month)


def _statement_context(statement) -> dict:
    start = timezone.localtime(statement.start)
    return {"statement": statement, "period": start, "last_day": timezone.localtime(
        statement.end - dt.timedelta(seconds=1)), "csv_name": f"statement-{statement.currency}-{start:%Y-%m}"}


@never_cache
@login_required
@require_GET
def statement_html(request: HttpRequest, currency: str, year: int, month: int) -> HttpResponse:
    return render(request, "payouts/statement.html", _statement_context(_statement(request, currency, year, month)))


@never_cache
@login_required
@require_GET
def statement_csv_view(request: HttpRequest, currency: str, year: int, month: int) -> HttpResponse:
    statement = _statement(request, currency, year, month)
    response = HttpResponse(statement_csv(statement), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_statement_context(statement)["csv_name"]}.csv"'
    return response


@never_cache
@login_required
@require_GET
def statement_pdf_view(request: HttpRequest, currency: str, year: int, month: int) -> HttpResponse:
    statement = _statement(request, currency, year, month)
    context = _statement_context(statement)
    try:
        pdf = statement_pdf(statement, context={**context, "LANGUAGE_CODE": request.LANGUAGE_CODE,
                                                "SITE_NAME": settings.SITE_NAME})
    except (ImportError, OSError):  # WeasyPrint or the Pango library it needs is not installed here
        log.exception("PDF statement could not be made")
        messages.error(request, _("The PDF could not be made on this server; the CSV and this page hold the same "
                                  "statement."))
        return redirect("payouts:statement", currency=currency, year=year, month=month)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{context["csv_name"]}.pdf"'
    return response


# Staff ----------------------------------------------------------------------------------------------------------

def _staff_may_act(request: HttpRequest) -> None:
    if not request.user.has_perm("payouts.change_payout"):
        raise PermissionDenied


def _staff_may_look(request: HttpRequest) -> None:
    """Authors are often staff (they write in the admin): looking at everyone's payouts takes its own permission."""
    if not request.user.has_perm("payouts.view_payout"):
        raise PermissionDenied


@never_cache
@staff_member_required
@require_GET
def operator(request: HttpRequest) -> HttpResponse:
    _staff_may_look(request)
    return render(request, "payouts/operator.html", {
        "queues": selectors.operator_queues(), "due": selectors.due_writers(), "form": BankRecordForm(),
        "may_act": request.user.has_perm("payouts.change_payout")})


@staff_member_required
@require_POST
def operator_act(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    _staff_may_act(request)
    payout = get_object_or_404(Payout.objects.select_related("method"), reference=reference)
    note = (request.POST.get("note") or "").strip()[:200]
    try:
        if action == "approve":
            payout = services.approve_payout(payout=payout, staff_user=request.user)
        elif action == "cancel":
            payout = services.cancel_payout(payout=payout, reason=note or f"cancelled by {request.user}")
        elif action == "bank-paid":
            services.record_bank_transfer(payout=payout, staff_user=request.user, bank_reference=note)
        elif action == "bank-failed":
            services.record_bank_failure(payout=payout, staff_user=request.user, reason=note)
        else:
            raise Http404
    except services.PayoutRefused as refused:
        messages.error(request, refused.message)
        return redirect("payouts:operator")
    payout.refresh_from_db()
    messages.success(request, _("Payout %(reference)s: %(status)s.") % {
        "reference": payout.reference, "status": payout.get_status_display()})
    return redirect("payouts:operator")


@staff_member_required
@require_POST
def operator_reconcile(request: HttpRequest) -> HttpResponse:
    _staff_may_act(request)
    counts = services.reconcile_payouts(older_than=dt.timedelta(0))
    messages.success(request, _("Asked the providers about %(count)s payouts.") % {"count": sum(counts.values())})
    return redirect("payouts:operator")


@never_cache
@staff_member_required
@require_GET
def operator_export(request: HttpRequest) -> StreamingHttpResponse:
    _staff_may_look(request)
    payouts = Payout.objects.select_related("writer").order_by("created_at", "pk")
    response = StreamingHttpResponse(payouts_csv(payouts.iterator(chunk_size=500)),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="payouts-{timezone.now():%Y-%m-%d}.csv"'
    return response


# The sandbox provider's own page, and notifications ----------------------------------------------------------------

@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def sandbox_onboarding(request: HttpRequest, ref: str) -> HttpResponse:
    payee = get_object_or_404(SandboxPayee, ref=ref)
    if not PayoutMethod.objects.filter(provider="sandbox", account_ref=ref, writer=request.user).exists():
        raise Http404
    back = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = reverse("payouts:home")
    if request.method == "POST":
        sandbox_provider.complete_onboarding(ref=payee.ref)
        return redirect(back)
    return render(request, "payouts/sandbox_onboarding.html", {"payee": payee, "back": back})


@csrf_exempt
@require_POST
def notice(request: HttpRequest, provider: str) -> HttpResponse:
    receipt = receive(provider_name=provider, body=request.body, headers=request.headers)
    if receipt.status == 404:
        raise Http404
    status, content_type, body = provider_class(provider).acknowledgement(receipt.status, receipt.detail)
    return HttpResponse(body, status=status, content_type=content_type)

"""The QR payment page (WeChat Pay, Alipay): the code, the amount, what it pays for, how long it is
valid; "I need more time" issues a fresh code; "I have paid" asks the provider (the page also polls)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from byline.payments import orders
from byline.payments.errors import OrderRefused, ProviderError
from byline.payments.models import Checkout, CheckoutStatus
from byline.payments.providers import provider_class
from byline.sharing.selectors import qr_svg

BEIJING = "Asia/Shanghai"
METHOD_NAMES = {"wechatpay": gettext_lazy("WeChat Pay"), "alipay": gettext_lazy("Alipay"),
                "stripe": gettext_lazy("Card"), "sandbox": gettext_lazy("Card")}


def _checkout(request: HttpRequest, reference: str) -> Checkout:
    checkout = Checkout.objects.filter(reference=reference[:40], reader=request.user).select_related(
        "article", "plan").first()
    if checkout is None or not checkout.orders.exists():
        raise Http404
    return checkout


def _expiry_zone(checkout: Checkout) -> tuple[str, str]:
    """The zone the code's expiry is printed in, and its name: Beijing time for yuan orders."""
    if checkout.currency == "CNY":
        return BEIJING, _("Beijing time")
    name = timezone.get_current_timezone_name()
    return name, name


def _done(checkout: Checkout) -> HttpResponse:
    return redirect(reverse("payments:return") + f"?ref={checkout.reference}")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, reference: str) -> HttpResponse:
    checkout = _checkout(request, reference)
    notice, status = "", 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "extend":
                orders.extend_order(checkout=checkout)
                return redirect("payments:pay", reference=checkout.reference)
            orders.check_checkout(checkout=checkout)
        except OrderRefused as refused:
            notice, status = refused.message, 409
        except ProviderError:
            notice, status = _("The payment service did not answer. Please try again in a moment."), 503
        if checkout.status != CheckoutStatus.OPEN:
            return _done(checkout)
        if not notice:
            notice = _("We have not received this payment yet. If you have paid, please wait a moment and try again.")
    if checkout.status != CheckoutStatus.OPEN:
        return _done(checkout)
    order = orders.current_order(checkout=checkout)
    method = METHOD_NAMES.get(checkout.provider, checkout.provider)
    usable = order.state == "open" and order.expires_at > timezone.now() and bool(order.code_url)
    expiry_zone, zone_name = _expiry_zone(checkout)
    return render(request, "payments/pay.html", {
        "checkout": checkout, "order": order, "method": method, "usable": usable, "notice": notice,
        "qr": qr_svg(order.code_url, label=_("QR code to pay with %(method)s") % {"method": method})
        if usable else "",
        "seconds_left": max(0, int((order.expires_at - timezone.now()).total_seconds())),
        "what": orders.describe(checkout), "expiry_zone": expiry_zone, "zone_name": zone_name,
        "scan_help": provider_class(checkout.provider).scan_help}, status=status)


@never_cache
@login_required
@require_GET
def pay_status(request: HttpRequest, reference: str) -> JsonResponse:
    """What the page polls: the checkout's state as Byline knows it (notifications update it)."""
    checkout = _checkout(request, reference)
    order = orders.current_order(checkout=checkout)
    return JsonResponse({"status": checkout.status, "expires_at": order.expires_at.isoformat(),
                         "done_url": reverse("payments:return") + f"?ref={checkout.reference}"})

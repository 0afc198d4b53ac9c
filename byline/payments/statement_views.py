"""The wallet, a receipt and the earnings page: ledger history worded by `payments.statement`, which reads
checkouts as well as purchases, so these pages sit in payments, above purchases. Their URLs keep the
`purchases` namespace and paths (`card_urls`, joined to purchases' own in byline/urls.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from byline.ledger import selectors as ledger_selectors
from byline.ledger.models import AccountKind, Entry, Transfer
from byline.payments.statement import lines_for
from byline.pricing.conversion import currency_name
from byline.pricing.selectors import currency_of
from byline.purchases import memberships, selectors
from byline.purchases.forms import CurrencyForm
from byline.purchases.views import other_balances


@never_cache
@login_required
@require_GET
def wallet(request: HttpRequest) -> HttpResponse:
    currency = currency_of(request.user)
    return render(request, "purchases/wallet.html", {
        "currency": currency, "currency_name": currency_name(currency),
        "balance": ledger_selectors.wallet_balance(reader=request.user, currency=currency),
        "other_balances": other_balances(request.user, currency),
        "currency_form": CurrencyForm(initial={"currency": currency}),
        "lines": lines_for(ledger_selectors.history(owner=request.user, kind=AccountKind.WALLET)),
        "purchases": selectors.purchases_of(reader=request.user, limit=50),
        "membership": memberships.active_membership(reader=request.user),
    })


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
@login_required
@require_GET
def earnings(request: HttpRequest) -> HttpResponse:
    return render(request, "purchases/earnings.html", {
        "accounts": ledger_selectors.accounts_of(owner=request.user, kind=AccountKind.EARNINGS),
        "lines": lines_for(ledger_selectors.history(owner=request.user, kind=AccountKind.EARNINGS)),
    })

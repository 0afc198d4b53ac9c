"""Demo money: membership plans, and a funded wallet for the demo reader (real ledger top-ups)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from byline.payments.services import credit_wallet
from byline.purchases.models import Interval, MembershipPlan

# One plan per billing period, priced in US dollars with its own yuan price; euro readers see the
# converted price (byline/pricing), which shows how a plan without an own price is offered.
DEMO_PLANS = [
    ("Monthly membership", "月度会员", Interval.MONTH, 800, "USD", {"CNY": 3000}),
    ("Yearly membership", "年度会员", Interval.YEAR, 8000, "USD", {"CNY": 30000}),
]
# Dollars first: the first money in a wallet settles the reader's currency; the others show on the
# wallet page as money kept in another currency.
DEMO_WALLET = {"USD": 2000, "CNY": 10000, "EUR": 2000}


def load_demo_money(*, reader_username: str) -> None:
    """Safe to run twice: plans are matched by name, top-ups by idempotency key."""
    for name, name_zh, interval, price, currency, prices in DEMO_PLANS:
        MembershipPlan.objects.update_or_create(name=name, currency=currency, defaults={
            "name_zh": name_zh, "interval": interval, "price_minor": price, "prices": prices, "active": True})
        # Demo data from before plans had prices in several currencies: one row per currency.
        MembershipPlan.objects.filter(name=name).exclude(currency=currency).update(active=False)
    reader = get_user_model().objects.get(username=reader_username)
    for currency, amount in DEMO_WALLET.items():
        credit_wallet(reader=reader, amount_minor=amount, currency=currency, key=f"demo-wallet:{reader.pk}:{currency}",
                      memo="demo top-up")

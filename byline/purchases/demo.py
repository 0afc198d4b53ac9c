"""Demo money: membership plans, and a funded wallet for the demo reader (real ledger top-ups)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from byline.payments.services import credit_wallet
from byline.purchases.models import Interval, MembershipPlan

DEMO_PLANS = [
    ("Monthly membership", "月度会员", Interval.MONTH, 800, "USD"),
    ("Yearly membership", "年度会员", Interval.YEAR, 8000, "USD"),
    ("Monthly membership", "月度会员", Interval.MONTH, 3000, "CNY"),
    ("Yearly membership", "年度会员", Interval.YEAR, 30000, "CNY"),
]
DEMO_WALLET = {"USD": 2000, "CNY": 10000, "EUR": 2000}


def load_demo_money(*, reader_username: str) -> None:
    """Safe to run twice: plans are matched by name and currency, top-ups by idempotency key."""
    for name, name_zh, interval, price, currency in DEMO_PLANS:
        MembershipPlan.objects.update_or_create(name=name, currency=currency, defaults={
            "name_zh": name_zh, "interval": interval, "price_minor": price, "active": True})
    reader = get_user_model().objects.get(username=reader_username)
    for currency, amount in DEMO_WALLET.items():
        credit_wallet(reader=reader, amount_minor=amount, currency=currency, key=f"demo-wallet:{reader.pk}:{currency}",
                      memo="demo top-up")

"""Demo membership plans. The demo reader's funded wallet is `payments.demo` (real ledger top-ups)."""

from __future__ import annotations

from byline.purchases.models import Interval, MembershipPlan

# One plan per billing period, priced in US dollars with its own yuan price; euro readers see the
# converted price (byline/pricing), which shows how a plan without an own price is offered.
DEMO_PLANS = [
    ("Monthly membership", "月度会员", Interval.MONTH, 800, "USD", {"CNY": 3000}),
    ("Yearly membership", "年度会员", Interval.YEAR, 8000, "USD", {"CNY": 30000}),
]


def load_demo_plans() -> None:
    """Safe to run twice: plans are matched by name."""
    for name, name_zh, interval, price, currency, prices in DEMO_PLANS:
        MembershipPlan.objects.update_or_create(name=name, currency=currency, defaults={
            "name_zh": name_zh, "interval": interval, "price_minor": price, "prices": prices, "active": True})
        # Demo data from before plans had prices in several currencies: one row per currency.
        MembershipPlan.objects.filter(name=name).exclude(currency=currency).update(active=False)

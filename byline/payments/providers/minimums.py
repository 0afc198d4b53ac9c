"""The smallest card charge per currency, in minor units: Stripe refuses anything below these
(docs.stripe.com/currencies, "Minimum and maximum charge amounts"). The sandbox applies the same
table, so the demo behaves as production will."""

from __future__ import annotations

CARD_MINIMUM_CHARGE: dict[str, int] = {"USD": 50, "EUR": 50, "GBP": 30, "CNY": 400}


def card_minimum(currency: str) -> int:
    return CARD_MINIMUM_CHARGE.get(currency.upper(), 1)

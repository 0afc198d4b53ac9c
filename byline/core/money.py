"""Money as a reader reads it: integer minor units and a currency code in, "$3.00" or "¥18" out.

The one formatter for templates (the `money` filter in `core/templatetags/byline.py`) and for services that
word a message with an amount in it (a refused top-up, a refund the wallet cannot cover): both show the
same sum the same way. Amounts stay integers everywhere else.
"""

from __future__ import annotations

from django.conf import settings

CURRENCY_SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def money(minor: int | None, currency: str) -> str:
    """300, "USD" -> "$3.00"; None -> ""."""
    if minor is None:
        return ""
    exponent = settings.CURRENCIES.get(currency, 2)
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(int(minor)), 10**exponent)
    amount = f"{whole:,}" + (f".{fraction:0{exponent}d}" if exponent else "")
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {currency}"

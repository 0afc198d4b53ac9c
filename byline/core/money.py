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


def exact_minor(value, places: int, *, at_most: int) -> int | None:
    """A finite, non-negative Decimal in major units as minor units (`places` decimals), exactly: None when a
    non-zero digit lies below the minor unit; `at_most + 1` for anything above `at_most` (the caller says "too
    high"). Integer arithmetic, not Decimal's context: "1e999999" overflows that context (decimal.Overflow), and
    its 28 digits would round "1.000…001" to a whole number of cents."""
    if value == 0:
        return 0
    if value > at_most:  # exact comparison; keeps the digits and the shift below small
        return at_most + 1
    _sign, digits, exponent = value.as_tuple()
    digits = list(digits)
    while digits[-1] == 0:  # "3.000…0" is 3: what is left ends in a non-zero digit
        digits.pop()
        exponent += 1
    shift = exponent + places
    if shift < 0:  # that last non-zero digit lies below the minor unit
        return None
    return min(int("".join(map(str, digits))) * 10**shift, at_most + 1)

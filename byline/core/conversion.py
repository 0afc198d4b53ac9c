"""Prices in every currency the site sells: the author's own where set, else converted and rounded up.

Pure functions of their arguments and the settings (CURRENCY_RATES, PRICE_STEPS, CURRENCIES); no
database. What a caller may rely on:
- `round_up_to_step(a, c) >= a`, it is a step of `c`, and a step is left as it is;
- `convert` never lowers a price: the converted amount is worth at least the original at the table's
  rate, before rounding up to the next step;
- `price_in` gives the author's own price in `currency` when there is one, and 0 for no price.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_CEILING, Decimal

from django.conf import settings

Band = tuple[int | None, int, tuple[int, ...]]


class UnknownCurrency(ValueError):
    """A currency the site does not sell (not in CURRENCY_RATES)."""


def sold_currencies() -> list[str]:
    """The currencies readers may choose and prices are shown in, in the settings' order."""
    return list(settings.CURRENCY_RATES)


def rate(currency: str) -> Decimal:
    try:
        return Decimal(str(settings.CURRENCY_RATES[currency]))
    except KeyError:
        raise UnknownCurrency(currency) from None


def exponent(currency: str) -> int:
    return settings.CURRENCIES.get(currency, 2)


def _bands(currency: str) -> list[Band]:
    return list(settings.PRICE_STEPS.get(currency) or [(None, 1, (0,))])


def _next_in_band(amount: int, block: int, endings: tuple[int, ...]) -> int:
    """The smallest `n * block + ending` that is at least `amount` and above zero."""
    base = (amount // block) * block
    for start in (base, base + block):
        for ending in sorted(endings):
            candidate = start + ending
            if candidate >= amount and candidate > 0:
                return candidate
    raise ValueError(f"no step at or above {amount} with block {block} and endings {endings}")


def round_up_to_step(amount_minor: int, currency: str) -> int:
    """The smallest price step of `currency` that is at least `amount_minor` (0 stays 0)."""
    if amount_minor <= 0:
        return 0
    amount = amount_minor
    for below, block, endings in _bands(currency):
        step = _next_in_band(amount, block, endings)
        if below is None or step < below:
            return step
        amount = max(amount, below)
    return amount  # the last band has no upper bound in a valid table; see pricing.checks


def is_step(amount_minor: int, currency: str) -> bool:
    return round_up_to_step(amount_minor, currency) == amount_minor


def convert(amount_minor: int, source: str, target: str) -> int:
    """`amount_minor` of `source` in `target`: at the table's rate, then up to `target`'s next price step."""
    if source == target:
        return amount_minor
    if amount_minor <= 0:
        return 0
    major = Decimal(amount_minor).scaleb(-exponent(source))
    exact = (major / rate(source) * rate(target)).scaleb(exponent(target))
    return round_up_to_step(int(exact.to_integral_value(rounding=ROUND_CEILING)), target)


def price_in(*, base_minor: int, base_currency: str, own: Mapping[str, int] | None, currency: str) -> int:
    """What something priced `base_minor` `base_currency`, with the author's `own` prices in other
    currencies, costs in `currency`."""
    if base_minor <= 0:
        return 0
    if currency == base_currency:
        return base_minor
    mine = (own or {}).get(currency)
    if mine:
        return int(mine)
    return convert(base_minor, base_currency, currency)


def prices_in_every_currency(*, base_minor: int, base_currency: str, own: Mapping[str, int] | None) -> dict[str, int]:
    return {currency: price_in(base_minor=base_minor, base_currency=base_currency, own=own, currency=currency)
            for currency in sold_currencies()}


def currency_name(code: str) -> str:
    """"US dollar (USD)": how a currency is named where a reader chooses theirs."""
    from django.utils.translation import gettext

    names = {"USD": gettext("US dollar (USD)"), "EUR": gettext("Euro (EUR)"), "CNY": gettext("Chinese yuan (CNY)"),
             "GBP": gettext("Pound sterling (GBP)"), "JPY": gettext("Japanese yen (JPY)")}
    return names.get(code, code)

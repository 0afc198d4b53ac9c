"""Prices in every currency the site sells: the table lives in `core.conversion`, below articles, which
prices what is saved and shown with it. Re-exported here for the apps that import it from pricing."""

from byline.core.conversion import (  # noqa: F401
    Band,
    UnknownCurrency,
    convert,
    currency_name,
    exponent,
    is_step,
    price_in,
    prices_in_every_currency,
    rate,
    round_up_to_step,
    sold_currencies,
)

"""Start-up check of the currency settings: a bad table must stop the site, not misprice an article."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.checks import Error, register


@register()
def currency_settings(app_configs=None, **kwargs) -> list[Error]:
    from byline.articles.models import Currency

    found: list[Error] = []
    for code, value in settings.CURRENCY_RATES.items():
        try:
            good = Decimal(str(value)) > 0
        except InvalidOperation:
            good = False
        if not good:
            found.append(Error(f"CURRENCY_RATES[{code!r}] = {value!r} is not a positive number", id="pricing.E001"))
        if code not in settings.CURRENCIES:
            found.append(Error(f"CURRENCY_RATES names {code}, which CURRENCIES does not know", id="pricing.E002"))
    for code in Currency.values:
        if code not in settings.CURRENCY_RATES:
            found.append(Error(f"articles may be priced in {code}, but CURRENCY_RATES has no rate for it",
                               id="pricing.E003"))
    defaults = [settings.READER_CURRENCY_DEFAULT, *settings.READER_CURRENCY_BY_LANGUAGE.values()]
    for code in defaults:
        if code not in settings.CURRENCY_RATES:
            found.append(Error(f"a reader's default currency {code} is not sold (not in CURRENCY_RATES)",
                               id="pricing.E004"))
    for code in settings.CURRENCY_RATES:
        if code not in settings.TOPUP_PRESETS or code not in settings.TOPUP_LIMITS:
            found.append(Error(f"{code} is sold but has no TOPUP_PRESETS or TOPUP_LIMITS", id="pricing.E005"))
    for code, bands in settings.PRICE_STEPS.items():
        last_below = 0
        for index, (below, block, endings) in enumerate(bands):
            final = index == len(bands) - 1
            if (below is None) != final or block <= 0 or not endings or any(not 0 <= e < block for e in endings) \
                    or (below is not None and below <= last_below):
                found.append(Error(f"PRICE_STEPS[{code!r}] band {index} is not (rising bound or None last, "
                                   "block > 0, endings within the block)", id="pricing.E006"))
                break
            last_below = below or last_below
    return found

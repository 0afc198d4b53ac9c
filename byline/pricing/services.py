"""Writes: a reader's currency, settled the first time money enters their wallet, and changed by them."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from byline.accounts.backends import forget_user
from byline.pricing import conversion
from byline.pricing.models import ReaderCurrency
from byline.pricing.selectors import currency_key


def _forget(reader: Any) -> None:
    """Forget the cached currency and the cached user row that carries it (accounts.backends)."""
    key = currency_key(reader.pk)
    cache.delete(key)
    # A request that read the old value before this transaction commits may store it again meanwhile.
    transaction.on_commit(lambda: cache.delete(key), robust=True)
    forget_user(None, reader)
    reader._state.fields_cache.pop("reader_currency", None)


def choose_currency(*, reader: Any, currency: str) -> ReaderCurrency:
    """Make `currency` the reader's own. Money already in their wallet stays in the currency it came in:
    nothing is converted, and switching back makes it spendable again."""
    if currency not in conversion.sold_currencies():
        raise ValidationError(_("Prices are not offered in %(currency)s.") % {"currency": currency},
                              code="not_sold")
    chosen, _created = ReaderCurrency.objects.update_or_create(reader_id=reader.pk, defaults={"currency": currency})
    _forget(reader)
    return chosen


def settle_currency(*, reader: Any, currency: str) -> str:
    """The reader's currency, set to `currency` if they had none yet (the first money into their wallet
    decides it, and that money came in the currency they saw). Returns the reader's currency."""
    if currency not in conversion.sold_currencies():
        existing = ReaderCurrency.objects.filter(reader_id=reader.pk).values_list("currency", flat=True).first()
        return existing or currency
    chosen, created = ReaderCurrency.objects.get_or_create(reader_id=reader.pk, defaults={"currency": currency})
    if created:
        _forget(reader)
    return chosen.currency

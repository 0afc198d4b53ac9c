"""Reads: which currency a reader deals in, and what something costs them in it.

A signed-in reader's currency is stored on their account (ReaderCurrency). It travels with their cached
user row (accounts.backends loads the two in one query), so the article page's shell key can name it
without a query; other user objects find it in the shared cache, else the database. A reader who has
not got one yet, and every anonymous reader, deals in their interface language's currency; the
anonymous pages are cached per language, so their prices need no cookie.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import get_language

from byline.accounts.backends import cache_name
from byline.pricing import conversion
from byline.pricing.models import ReaderCurrency

CURRENCY_CACHE_SECONDS = 24 * 3600
_NONE_CHOSEN = "-"  # cached for a reader without a row, so the miss is not asked again


def language_currency(language: str | None = None) -> str:
    """The currency a new or anonymous reader deals in, by interface language."""
    language = (language or get_language() or settings.LANGUAGE_CODE).lower()
    return settings.READER_CURRENCY_BY_LANGUAGE.get(language, settings.READER_CURRENCY_DEFAULT)


def currency_key(reader_id: Any) -> str:
    return f"pricing:currency:{cache_name(reader_id)}"


def stored_currency(reader: Any) -> str | None:
    """The currency on the reader's account, or None if they have not got one yet.

    A signed-in request's user row carries it already (accounts.backends loads it with the row); any other
    user object asks the cache, then the database."""
    state = getattr(reader, "_state", None)
    if state is not None and "reader_currency" in state.fields_cache:
        chosen = state.fields_cache["reader_currency"]
        return chosen.currency if chosen is not None and chosen.currency in settings.CURRENCY_RATES else None
    key = currency_key(reader.pk)
    found = cache.get(key)
    if found is None:
        found = ReaderCurrency.objects.filter(reader_id=reader.pk).values_list("currency", flat=True).first()
        found = found or _NONE_CHOSEN
        cache.set(key, found, CURRENCY_CACHE_SECONDS)
    if found == _NONE_CHOSEN or found not in settings.CURRENCY_RATES:
        return None
    return found


def currency_of(reader: Any, language: str | None = None) -> str:
    """The one currency this reader (signed in or not) sees prices in and pays in."""
    if getattr(reader, "is_authenticated", False):
        stored = stored_currency(reader)
        if stored:
            return stored
    return language_currency(language)


def request_currency(request: HttpRequest | None) -> str:
    """`currency_of` the request's reader, once per request."""
    if request is None:
        return language_currency()
    memo = request.__dict__
    if "_byline_currency" not in memo:
        memo["_byline_currency"] = currency_of(getattr(request, "user", None))
    return memo["_byline_currency"]


def article_price(article: Any, currency: str) -> int:
    """What `article` costs in `currency` (0 for one without a price, such as a members-only article)."""
    return conversion.price_in(base_minor=article.price_minor, base_currency=article.currency,
                               own=getattr(article, "prices", None), currency=currency)


def plan_price(plan: Any, currency: str) -> int:
    return conversion.price_in(base_minor=plan.price_minor, base_currency=plan.currency,
                               own=getattr(plan, "prices", None), currency=currency)


class Price:
    """An amount in minor units and its currency; prints as money ("$3.00", "¥18.00")."""

    __slots__ = ("minor", "currency")

    def __init__(self, minor: int, currency: str):
        self.minor, self.currency = minor, currency

    def __str__(self) -> str:
        from byline.core.money import money

        return money(self.minor, self.currency)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Price) and (self.minor, self.currency) == (other.minor, other.currency)

    def __hash__(self) -> int:
        return hash((self.minor, self.currency))

    def __repr__(self) -> str:
        return f"Price({self.minor}, {self.currency!r})"

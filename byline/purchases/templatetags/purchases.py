"""What the paywall and the article page show a signed-in reader about buying (reads only)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django import template
from django.utils.translation import get_language

from byline.core.unbroken import unbroken as unbroken_text
from byline.core.unbroken import unbroken_day
from byline.ledger.selectors import wallet_balance
from byline.pricing.selectors import article_price, request_currency

register = template.Library()


@dataclass(frozen=True)
class Offer:
    balance: int
    currency: str
    price: int
    key: str

    @property
    def can_afford(self) -> bool:
        return self.balance >= self.price

    @property
    def missing(self) -> int:
        return max(0, self.price - self.balance)

    @property
    def card_amount(self) -> int:
        """What the paywall's card button charges: the same sum as the checkout the button starts."""
        from byline.payments.services import card_charge

        return card_charge(price_minor=self.price, balance=self.balance, currency=self.currency)


@register.simple_tag(takes_context=True)
def paywall_offer(context, article) -> Offer | None:
    """The article's price in the signed-in reader's own currency, their balance there and a fresh
    idempotency key. One query (the balance; the currency comes from the cache)."""
    user = context.get("user")
    if user is None or not user.is_authenticated or article.price_minor <= 0:
        return None
    currency = request_currency(context.get("request"))
    return Offer(balance=wallet_balance(reader=user, currency=currency), currency=currency,
                 price=article_price(article, currency), key=uuid.uuid4().hex)


@register.simple_tag
def new_key() -> str:
    return uuid.uuid4().hex


@register.simple_tag
def sentence_space() -> str:
    """What goes between two sentences put side by side: a space, but none after a Chinese full stop (。)."""
    return "" if (get_language() or "").startswith("zh") else " "


@register.filter
def unbroken(text) -> str:
    """A date or amount kept on one line (`core.unbroken.unbroken`)."""
    return unbroken_text(str(text))


@register.filter
def day(moment) -> str:
    """A date as the language writes it ("Jan. 3, 2027", "2027年1月3日"), never broken across lines."""
    return unbroken_day(moment) if moment else ""

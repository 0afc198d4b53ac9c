"""What the paywall shows a signed-in reader about buying: the price in their currency, their balance there,
and what the card button charges (reads only). Here, not in purchases, because the card charge is the
payment method's (its minimum), and purchases never imports payments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django import template

from byline.ledger.selectors import wallet_balance
from byline.payments.checkout import card_charge
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

"""What the paywall and the article page show a signed-in reader about buying (reads only)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django import template

from byline.ledger.selectors import wallet_balance

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
    """The signed-in reader's balance in the article's currency and a fresh idempotency key. One query."""
    user = context.get("user")
    if user is None or not user.is_authenticated or article.price_minor <= 0:
        return None
    return Offer(balance=wallet_balance(reader=user, currency=article.currency), currency=article.currency,
                 price=article.price_minor, key=uuid.uuid4().hex)


@register.simple_tag
def new_key() -> str:
    return uuid.uuid4().hex

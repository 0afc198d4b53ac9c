"""A tip paid by card, WeChat Pay or Alipay for the exact amount: a payments checkout with the purpose "tip".

The checkout records the article, the amount (`price_minor`), the message and whether the tipper stays unnamed.
When the provider confirms payment, `payments.settlement.fulfil` credits the wallet and gives the tip from it
with `services.tip_from_wallet` under the checkout's own key, in the same transaction: one tip per checkout,
however often the webhook comes. If the tip is no longer possible then (the writer stopped taking tips, the
article was taken down) the money stays in the wallet, as for a card unlock.

Kept apart from `services` because it imports payments, and payments' settlement imports `services`.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from byline.articles.models import Article
from byline.core.money import money
from byline.payments.providers.base import Purpose
from byline.payments.services import PaymentRefused, minimum_charge, start_checkout
from byline.tips import selectors, services
from byline.tips.errors import TipRefused


def payable_by(*, methods: list[tuple[str, str]], amount_minor: int, currency: str) -> list[tuple[str, str, int]]:
    """The payment methods that can charge exactly `amount_minor` (card networks refuse tiny charges):
    (name, label, amount) as the payment method buttons take them."""
    return [(name, label, amount_minor) for name, label in methods
            if minimum_charge(currency=currency, method=name) <= amount_minor]


def start_card_tip(*, tipper: Any, article: Article, amount_minor: int, currency: str, idempotency_key: str,
                   success_url: str, cancel_url: str, message: str = "", anonymous: bool = False, method: str = "",
                   channel: str = "", client_ip: str = ""):
    """Open a checkout for this tip (once per key). Raises TipRefused (the writer takes no tips, one's own
    article, an amount outside the limits) or PaymentRefused (below the method's minimum, a key used for
    another payment, the provider refused); nothing is charged then."""
    if not article.is_live or not selectors.accepts_tips(article):
        raise TipRefused(_("The writer of this article does not take tips."), code="closed")
    if article.author.user_id == tipper.pk:
        raise TipRefused(_("You cannot tip yourself."), code="self")
    services.check_amount(amount_minor=amount_minor, currency=currency)
    lowest = minimum_charge(currency=currency, method=method)
    if amount_minor < lowest:
        raise PaymentRefused(_("This way of paying starts at %(minimum)s. Please choose a larger tip, or tip "
                               "from your balance.") % {"minimum": money(lowest, currency)})
    return start_checkout(
        reader=tipper, purpose=Purpose.TIP, amount_minor=amount_minor, currency=currency,
        idempotency_key=idempotency_key, success_url=success_url, cancel_url=cancel_url, article=article,
        price_minor=amount_minor, tip_message=services.clean_message(message),
        tip_anonymous=anonymous, description=(_("Tip to %(name)s: %(title)s") % {
            "name": article.author.name, "title": article.title})[:200],
        method=method, channel=channel, client_ip=client_ip)

"""A fixed-amount offer is in one currency ("USD 2.00 off"). Found by the outside probe: a reader who pays in
another currency could subscribe "with" it, was charged the full price, and the offer was used up all the same
(their one use, and one of its limited uses). It is refused instead, before anything is charged or used."""

from __future__ import annotations

import pytest

from byline.purchases.models import Interval
from byline.subscriptions import services
from byline.subscriptions.errors import OfferRefused
from byline.subscriptions.models import Offer, OfferKind, OfferTarget, Redemption
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db


def test_a_fixed_offer_in_another_currency_is_refused_and_not_used_up(author, reader):
    services.set_price(author=author, interval=Interval.MONTH, currency="CNY", price_minor=3000)
    offer = services.create_offer(target=OfferTarget.AUTHOR, author=author, kind=OfferKind.FIXED,
                                  amount_off_minor=200, currency="USD", max_redemptions=1)
    fund(reader, 5000, currency="CNY")
    with pytest.raises(OfferRefused):
        services.subscribe_with_wallet(reader=reader, author=author, interval=Interval.MONTH,
                                       idempotency_key=new_key(), currency="CNY", offer=offer)
    assert not Redemption.objects.exists() and Offer.objects.get(pk=offer.pk).redeemed == 0
    assert balance(reader, currency="CNY") == 5000


def test_a_fixed_retention_offer_in_another_currency_is_neither_offered_nor_taken(author, reader):
    from byline.subscriptions import selectors

    services.set_price(author=author, interval=Interval.MONTH, currency="CNY", price_minor=3000)
    fund(reader, 5000, currency="CNY")
    services.subscribe_with_wallet(reader=reader, author=author, interval=Interval.MONTH,
                                   idempotency_key=new_key(), currency="CNY")
    offer = services.create_offer(target=OfferTarget.AUTHOR, author=author, kind=OfferKind.FIXED,
                                  amount_off_minor=200, currency="USD", retention=True)
    subscription = services.cancel(reader=reader, author_id=author.pk)
    assert selectors.retention_offer(subscription=subscription) is None
    with pytest.raises(OfferRefused):
        services.accept_retention_offer(reader=reader, author_id=author.pk, offer=offer)
    assert not Redemption.objects.exists()

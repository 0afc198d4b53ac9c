"""An article gift is for keeps; a writer subscription (or a trial, a membership, the month's fair-price cap) is
for a while. Found by the outside probe: a friend who subscribes to the writer cannot claim the article they were
given ("You can already read this article"), and once the subscription ends the article is closed to them.
Now claim_gift's "has_it" counts only lasting ways in: a purchase, a collection, a gift (`KEPT_FOR_GOOD`)."""

from __future__ import annotations

import pytest

from byline.gifts import services
from byline.gifts.errors import GiftRefused
from byline.gifts.models import GiftState
from byline.purchases.models import Interval
from byline.purchases.services import unlock_with_wallet
from byline.subscriptions import services as subscriptions
from tests.conftest import make_user
from tests.ledger.conftest import fund, new_key

pytestmark = pytest.mark.django_db



def test_a_subscriber_of_the_writer_can_claim_an_article_gift_to_keep(paid_article):
    subscriptions.set_price(author=paid_article.author, interval=Interval.MONTH, currency="USD", price_minor=500)
    buyer, friend = make_user(), make_user()
    fund(buyer, 1000)
    fund(friend, 1000)
    subscriptions.subscribe_with_wallet(reader=friend, author=paid_article.author, interval=Interval.MONTH,
                                        idempotency_key=new_key())
    gift = services.buy_gift(buyer=buyer, order=services.article_order(article=paid_article),
                             idempotency_key=new_key())
    claimed = services.claim_gift(token=gift.token, reader=friend)
    assert claimed.state == GiftState.CLAIMED and claimed.recipient_id == friend.pk


def test_a_reader_who_bought_the_article_and_also_subscribes_is_not_given_it_again(paid_article):
    subscriptions.set_price(author=paid_article.author, interval=Interval.MONTH, currency="USD", price_minor=500)
    buyer, friend = make_user(), make_user()
    fund(buyer, 1000)
    fund(friend, 1000)
    unlock_with_wallet(reader=friend, article=paid_article, idempotency_key=new_key())
    subscriptions.subscribe_with_wallet(reader=friend, author=paid_article.author, interval=Interval.MONTH,
                                        idempotency_key=new_key())
    gift = services.buy_gift(buyer=buyer, order=services.article_order(article=paid_article),
                             idempotency_key=new_key())
    with pytest.raises(GiftRefused) as refused:
        services.claim_gift(token=gift.token, reader=friend)
    assert refused.value.code == "has_it"

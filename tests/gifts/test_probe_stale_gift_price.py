"""A paid gift is opened (its row, AWAITING, with the price of the moment) and paid later from its confirmation
page. Found by the outside probe: the payment charges the price the gift was opened at, however long ago and
whatever the writer charges now, so an opened gift is a price held open for ever (open it while the article is
cheap, pay after the writer raised the price). The unlock refuses a changed price (PriceChanged); a gift should
too. Left as a known failure: the fix belongs in byline/gifts, which another helper is changing now."""

from __future__ import annotations

import pytest

from byline.articles.models import Article
from byline.gifts import services
from byline.gifts.models import GiftState
from byline.purchases.errors import PriceChanged
from tests.conftest import make_user
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db


@pytest.mark.xfail(strict=True, reason="gifts: pay_for_gift charges the price the gift was opened at, not today's")
def test_a_gift_opened_before_the_writer_raised_the_price_is_not_paid_at_the_old_price(paid_article):
    buyer = make_user()
    fund(buyer, 5000)
    gift = services.open_gift(buyer=buyer, order=services.article_order(article=paid_article),
                              idempotency_key=new_key())
    opened_at = gift.price_minor
    Article.objects.filter(pk=paid_article.pk).update(price_minor=opened_at * 10)
    with pytest.raises(PriceChanged):
        services.pay_for_gift(gift_id=gift.pk, quoted_minor=opened_at)
    gift.refresh_from_db()
    assert gift.state == GiftState.AWAITING and balance(buyer) == 5000

"""A paid gift is opened (its row, AWAITING, with the price of the moment) and paid later from its confirmation
page. Found by the outside probe: the payment charged the price the gift was opened at, however long ago, so an
opened gift held an old price open for ever. Paying now prices the gift again and refuses a changed price
(PriceChanged), as an article's unlock does; the confirmation page states today's price to confirm."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from byline.articles.models import Article
from byline.gifts import services
from byline.gifts.models import GiftState
from byline.purchases.errors import PriceChanged
from tests.conftest import make_user
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db


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


def test_the_confirmation_page_shows_the_new_price_and_pays_it_once_confirmed(paid_article):
    buyer = make_user()
    fund(buyer, 5000)
    gift = services.open_gift(buyer=buyer, order=services.article_order(article=paid_article),
                              idempotency_key=new_key())
    Article.objects.filter(pk=paid_article.pk).update(price_minor=450)
    client = Client()
    client.force_login(buyer)
    here = reverse("purchases:gift_confirm", args=[gift.pk])
    stale = client.post(here, {"confirmed": "yes", "quoted_price": "300", "idempotency_key": new_key()},
                        follow=True)
    page = stale.content.decode()
    assert "The price of this gift is now $4.50" in page and 'data-testid="price-changed"' in page
    assert balance(buyer) == 5000
    client.post(here, {"confirmed": "yes", "quoted_price": "450", "idempotency_key": new_key()})
    gift.refresh_from_db()
    assert gift.state == GiftState.PAID and gift.price_minor == 450 and balance(buyer) == 4550

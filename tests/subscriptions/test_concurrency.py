"""Under real concurrency (PostgreSQL row locks): the fair-price cap and offer limits hold."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from byline.ledger.invariants import assert_balanced
from byline.purchases import services as purchases
from byline.purchases.errors import NotForSale
from byline.purchases.models import Interval, Purchase
from byline.subscriptions import services
from byline.subscriptions.errors import OfferRefused
from byline.subscriptions.models import AuthorSubscription, OfferKind, OfferTarget
from tests.conftest import make_article, make_user
from tests.ledger.conftest import balance, fund, new_key
from tests.purchases.test_concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_cap_reached_by_concurrent_purchases_charges_at_most_the_cap(author):
    services.set_price(author=author, interval=Interval.MONTH, currency="USD", price_minor=500)
    reader = make_user()
    fund(reader, 5000)
    articles = [make_article(author=author) for _ in range(8)]

    def unlock(index):
        try:
            return purchases.unlock_with_wallet(reader=reader, article=articles[index],
                                                idempotency_key=new_key()).price_minor
        except NotForSale:
            return 0

    charged = run_concurrently(8, unlock)
    assert sum(charged) == 500 and charged.count(0) == 6  # 300, then the 200 left, then nothing
    assert Purchase.objects.aggregate(total=Sum("price_minor"))["total"] == 500
    assert balance(reader) == 4500
    assert_balanced()


def test_an_offer_limit_holds_under_concurrent_subscriptions(author):
    services.set_price(author=author, interval=Interval.MONTH, currency="USD", price_minor=500)
    offer = services.create_offer(target=OfferTarget.AUTHOR, author=author, kind=OfferKind.TRIAL, trial_days=7,
                                  max_redemptions=3)
    readers = [make_user() for _ in range(10)]

    def subscribe(index):
        try:
            services.subscribe_with_wallet(reader=readers[index], author=author, interval=Interval.MONTH,
                                           idempotency_key=new_key(), offer=offer)
            return "in"
        except OfferRefused:
            return "refused"

    outcomes = run_concurrently(10, subscribe)
    assert outcomes.count("in") == 3 and AuthorSubscription.objects.count() == 3


def test_one_key_sent_twenty_times_at_once_subscribes_and_charges_once(author):
    services.set_price(author=author, interval=Interval.MONTH, currency="USD", price_minor=500)
    reader = make_user()
    fund(reader, 5000)
    key = new_key()
    ids = run_concurrently(20, lambda _: services.subscribe_with_wallet(
        reader=reader, author=author, interval=Interval.MONTH, idempotency_key=key).pk)
    assert len(set(ids)) == 1 and balance(reader) == 4500
    assert_balanced()

"""Under real concurrency (PostgreSQL row locks): a collection bought twice at once charges once, and an
undo of a part racing the collection buy that counts it never leaves both standing."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from byline.collections import services
from byline.collections.models import CollectionPurchase, CollectionPurchaseStatus
from byline.ledger.invariants import assert_balanced
from byline.ledger.models import Transfer, TransferKind
from byline.purchases import services as purchases
from byline.purchases.errors import PurchaseRefused
from byline.purchases.models import PurchaseStatus
from tests.collections.conftest import make_collection
from tests.conftest import make_author, make_user
from tests.ledger.conftest import balance, fund, new_key

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(*works):
    barrier = threading.Barrier(len(works))
    results: list = [None] * len(works)

    def run(index, work):
        try:
            barrier.wait()
            results[index] = work()
        except Exception as error:  # noqa: BLE001 - the test looks at what each thread got
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_the_same_collection_bought_twice_at_once_with_different_keys_charges_once():
    collection, _parts = make_collection(make_author())
    reader = make_user()
    fund(reader, 5000)
    results = at_once(*[lambda: services.buy_with_wallet(reader=reader, collection=collection,
                                                         idempotency_key=new_key())] * 2)
    assert all(isinstance(result, CollectionPurchase) for result in results), results
    assert results[0].pk == results[1].pk
    assert CollectionPurchase.objects.filter(status=CollectionPurchaseStatus.ACTIVE).count() == 1
    assert Transfer.objects.filter(kind=TransferKind.COLLECTION).count() == 1
    assert balance(reader) == 5000 - 700
    assert_balanced()


def test_a_part_undo_racing_the_collection_buy_that_counts_it_leaves_one_of_them():
    collection, parts = make_collection(make_author())
    reader = make_user()
    fund(reader, 5000)
    part = purchases.unlock_with_wallet(reader=reader, article=parts[0], idempotency_key=new_key())
    buy, undo = at_once(
        lambda: services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key()),
        lambda: purchases.undo_purchase(reader=reader, purchase_id=part.pk))
    part.refresh_from_db()
    whole = CollectionPurchase.objects.get()
    if part.status == PurchaseStatus.UNDONE:  # the undo came first: the collection counted nothing
        assert whole.credit_minor == 0 and whole.paid_minor == 700
    else:  # the buy came first: the undo was refused
        assert isinstance(undo, PurchaseRefused) and whole.credit_minor == 300 and whole.paid_minor == 400
    assert balance(reader) == 5000 - 700
    assert_balanced()


def test_ten_readers_taking_a_three_use_offer_at_once_get_three(author):
    from byline.subscriptions import services as offers
    from byline.subscriptions.errors import OfferRefused
    from byline.subscriptions.models import Offer, OfferKind, OfferTarget
    from tests.purchases.test_concurrency import run_concurrently

    collection, _parts = make_collection(author)
    offer = offers.create_offer(target=OfferTarget.COLLECTION, collection=collection, kind=OfferKind.PERCENT,
                                percent_off=50, max_redemptions=3)
    readers = [make_user() for _ in range(10)]
    for reader in readers:
        fund(reader, 1000)

    def buy(index):
        try:
            services.buy_with_wallet(reader=readers[index], collection=collection, idempotency_key=new_key(),
                                     offer=offer, quoted_minor=350)
            return "bought"
        except OfferRefused:
            return "refused"

    outcomes = run_concurrently(10, buy)
    assert outcomes.count("bought") == 3 and outcomes.count("refused") == 7
    assert Offer.objects.get(pk=offer.pk).redeemed == 3 == offer.redemptions.count()
    assert sorted(balance(reader) for reader in readers) == [650] * 3 + [1000] * 7
    assert CollectionPurchase.objects.filter(collection=collection).count() == 3
    assert_balanced()


def test_undos_racing_new_takers_of_a_full_offer_never_exceed_its_limit(author):
    """Three readers took a three-use offer; they undo while four more try to take it: the offer's count is
    the number of uses standing, never above three."""
    from byline.subscriptions import services as offers
    from byline.subscriptions.errors import OfferRefused
    from byline.subscriptions.models import Offer, OfferKind, OfferTarget

    collection, _parts = make_collection(author)
    offer = offers.create_offer(target=OfferTarget.COLLECTION, collection=collection, kind=OfferKind.PERCENT,
                                percent_off=50, max_redemptions=3)
    first, later = [make_user() for _ in range(3)], [make_user() for _ in range(4)]
    for reader in first + later:
        fund(reader, 1000)
    taken = [services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key(), offer=offer)
             for reader in first]

    def take(reader):
        try:
            return services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key(),
                                            offer=offer, quoted_minor=350)
        except OfferRefused:
            return "refused"

    results = at_once(*[lambda bought=bought: services.undo_collection_purchase(
        reader=bought.reader, purchase_id=bought.pk) for bought in taken],
        *[lambda reader=reader: take(reader) for reader in later])
    assert all(not isinstance(result, Exception) for result in results), results
    standing = offer.redemptions.filter(released_at__isnull=True).count()
    assert Offer.objects.get(pk=offer.pk).redeemed == standing <= 3
    assert CollectionPurchase.objects.filter(status=CollectionPurchaseStatus.ACTIVE, redemption__isnull=False,
                                             ).count() == standing
    assert_balanced()

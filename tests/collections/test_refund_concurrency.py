"""A staff refund of a collection purchase under real concurrency (PostgreSQL row locks): racing the reader's
own undo, or a second staff refund, the money moves back once and the ledger stays balanced."""

from __future__ import annotations

import pytest

from byline.collections import services
from byline.collections.models import CollectionPurchase, CollectionPurchaseStatus
from byline.ledger.invariants import assert_balanced
from byline.ledger.models import AccountKind, Transfer, TransferKind
from byline.ledger.selectors import balance_of
from byline.purchases.errors import UndoRefused
from tests.collections.conftest import make_collection
from tests.collections.test_concurrency import at_once
from tests.conftest import make_author, make_user
from tests.ledger.conftest import balance, fund, new_key

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _bought():
    author = make_author()
    collection, _parts = make_collection(author)
    reader = make_user()
    fund(reader, 1000)
    bought = services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key())
    assert balance(reader) == 300
    return author, reader, bought


def _reversals() -> int:
    return Transfer.objects.filter(kind__in=[TransferKind.REFUND, TransferKind.COLLECTION_UNDO]).count()


def test_a_staff_refund_racing_the_readers_undo_moves_the_money_once():
    author, reader, bought = _bought()
    staff = make_user(is_staff=True)
    results = at_once(lambda: services.refund_collection_purchase(purchase_id=bought.pk, staff_user=staff),
                      lambda: services.undo_collection_purchase(reader=reader, purchase_id=bought.pk))
    refunded, undone = results
    bought.refresh_from_db()
    # Whichever came first stands; the other finds the purchase ended and moves nothing.
    assert isinstance(refunded, CollectionPurchase), results
    if bought.status == CollectionPurchaseStatus.REFUNDED:
        assert isinstance(undone, UndoRefused) and undone.code == "refunded", results
    else:
        assert bought.status == CollectionPurchaseStatus.UNDONE and isinstance(undone, CollectionPurchase), results
    assert _reversals() == 1 and balance(reader) == 1000
    assert balance_of(owner=author.user, kind=AccountKind.EARNINGS, currency="USD") == 0
    assert_balanced()


def test_two_staff_refunds_at_once_move_the_money_once():
    author, reader, bought = _bought()
    staff = make_user(is_staff=True)
    results = at_once(*[lambda: services.refund_collection_purchase(purchase_id=bought.pk, staff_user=staff)] * 2)
    assert all(isinstance(result, CollectionPurchase) for result in results), results
    assert {result.status for result in results} == {CollectionPurchaseStatus.REFUNDED}
    assert _reversals() == 1 and balance(reader) == 1000
    assert balance_of(owner=author.user, kind=AccountKind.EARNINGS, currency="USD") == 0
    assert_balanced()

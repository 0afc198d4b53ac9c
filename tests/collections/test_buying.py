"""Buying a whole collection from the wallet: the price less what the reader paid for its parts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from byline.access.decision import Reason, decide
from byline.collections import services
from byline.collections.models import CollectionPurchaseStatus
from byline.ledger.invariants import assert_balanced
from byline.ledger.models import TransferKind
from byline.purchases import services as purchases
from byline.purchases.errors import NotEnoughInWallet, PriceChanged, UndoRefused
from tests.collections.conftest import make_collection
from tests.conftest import make_article, make_user
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db


def test_a_reader_who_owns_two_parts_pays_the_price_less_what_they_paid(series, reader):
    collection, parts = series
    fund(reader, 2000)
    for part in parts[:2]:
        purchases.unlock_with_wallet(reader=reader, article=part, idempotency_key=new_key())
    bought = services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key())
    assert (bought.price_minor, bought.credit_minor, bought.paid_minor) == (700, 600, 100)
    assert bought.transfer.kind == TransferKind.COLLECTION
    assert balance(reader) == 2000 - 600 - 100
    assert decide(reader, parts[2]).reason == Reason.COLLECTION
    assert decide(reader, parts[0]).reason == Reason.PURCHASE
    assert_balanced()


def test_credit_above_the_price_charges_nothing_and_moves_no_money(author, reader):
    collection, parts = make_collection(author, parts=3, price_minor=500)
    fund(reader, 1000)
    for part in parts[:2]:
        purchases.unlock_with_wallet(reader=reader, article=part, idempotency_key=new_key())
    bought = services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key())
    assert bought.paid_minor == 0 and bought.transfer is None
    assert decide(reader, parts[2]).allowed
    assert balance(reader) == 400
    assert_balanced()


def test_a_repeated_key_or_a_second_buy_charges_once(series, reader):
    collection, _parts = series
    fund(reader, 2000)
    key = new_key()
    first = services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=key)
    assert services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=key) == first
    assert services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key()) == first
    assert balance(reader) == 1300


def test_a_changed_amount_is_refused_without_a_charge(series, reader):
    collection, _parts = series
    fund(reader, 2000)
    with pytest.raises(PriceChanged):
        services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key(), quoted_minor=600)
    assert balance(reader) == 2000


def test_a_short_wallet_is_refused(series, reader):
    collection, _parts = series
    fund(reader, 699)
    with pytest.raises(NotEnoughInWallet):
        services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key())
    assert balance(reader) == 699


def test_undo_gives_back_the_collection_payment_and_the_parts_bought_alone_stay(series, reader):
    collection, parts = series
    fund(reader, 2000)
    purchases.unlock_with_wallet(reader=reader, article=parts[0], idempotency_key=new_key())
    bought = services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key())
    undone = services.undo_collection_purchase(reader=reader, purchase_id=bought.pk)
    assert undone.status == CollectionPurchaseStatus.UNDONE
    assert undone.reversal.kind == TransferKind.COLLECTION_UNDO
    assert balance(reader) == 1700
    assert decide(reader, parts[0]).reason == Reason.PURCHASE
    assert not decide(reader, parts[1]).allowed
    assert_balanced()


def test_undo_after_the_window_is_refused(series, reader):
    collection, _parts = series
    fund(reader, 2000)
    bought = services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key())
    with pytest.raises(UndoRefused):
        services.undo_collection_purchase(reader=reader, purchase_id=bought.pk,
                                          now=timezone.now() + dt.timedelta(minutes=11))


def test_a_part_counted_towards_the_collection_cannot_be_undone_alone(series, reader):
    collection, parts = series
    fund(reader, 2000)
    part = purchases.unlock_with_wallet(reader=reader, article=parts[0], idempotency_key=new_key())
    services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key())
    with pytest.raises(UndoRefused):
        purchases.undo_purchase(reader=reader, purchase_id=part.pk)


def test_later_parts_are_included_only_if_the_terms_said_so(author, reader):
    open_series, _ = make_collection(author, slug="open", includes_later=True)
    closed_series, _ = make_collection(author, slug="closed", includes_later=False)
    fund(reader, 5000)
    for collection in (open_series, closed_series):
        services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key())
    later_open = make_article(author=author, slug="later-open")
    later_closed = make_article(author=author, slug="later-closed")
    services.add_article(collection=open_series, article=later_open, now=timezone.now() + dt.timedelta(seconds=1))
    services.add_article(collection=closed_series, article=later_closed,
                         now=timezone.now() + dt.timedelta(seconds=1))
    assert decide(reader, later_open).reason == Reason.COLLECTION
    assert not decide(reader, later_closed).allowed


def test_a_part_taken_out_stays_open_to_earlier_buyers_only(series, reader):
    collection, parts = series
    fund(reader, 2000)
    services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key())
    services.remove_article(collection=collection, article_id=parts[2].pk)
    assert decide(reader, parts[2]).reason == Reason.COLLECTION
    later = make_user()
    fund(later, 2000)
    services.buy_with_wallet(reader=later, collection=collection, idempotency_key=new_key())
    assert not decide(later, parts[2]).allowed


def test_the_author_is_credited_less_the_platform_fee(series, reader, author):
    collection, _parts = series
    fund(reader, 2000)
    bought = services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key())
    assert bought.author_share_minor + bought.platform_fee_minor == 700
    assert bought.author_share_minor == 630


def test_a_part_counted_towards_the_collection_cannot_be_refunded_on_request_alone(author, reader):
    author.refund_hours = 24
    author.save()
    collection, parts = make_collection(author)
    fund(reader, 2000)
    part = purchases.unlock_with_wallet(reader=reader, article=parts[0], idempotency_key=new_key())
    services.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key())
    later = timezone.now() + dt.timedelta(minutes=30)
    with pytest.raises(UndoRefused) as refused:
        purchases.refund_on_request(reader=reader, purchase_id=part.pk, now=later)
    assert refused.value.code == "credited" and balance(reader) == 2000 - 300 - 400
    assert_balanced()


def test_a_part_moved_to_another_collection_is_credited_once(author, reader):
    first, parts = make_collection(author, parts=2, price_minor=500, slug="first")
    second, _others = make_collection(author, parts=2, price_minor=500, slug="second")
    fund(reader, 3000)
    moved = purchases.unlock_with_wallet(reader=reader, article=parts[0], idempotency_key=new_key())
    whole = services.buy_with_wallet(reader=reader, collection=first, idempotency_key=new_key())
    assert whole.credit_minor == moved.price_minor
    services.remove_article(collection=first, article_id=parts[0].pk)
    services.add_article(collection=second, article=parts[0])
    bought = services.buy_with_wallet(reader=reader, collection=second, idempotency_key=new_key())
    assert (bought.credit_minor, bought.paid_minor) == (0, 500) and not bought.credits.exists()
    assert_balanced()


def test_a_credit_freed_by_undoing_the_first_collection_counts_for_the_next(author, reader):
    first, parts = make_collection(author, parts=2, price_minor=500, slug="first")
    second, _others = make_collection(author, parts=2, price_minor=500, slug="second")
    fund(reader, 3000)
    purchases.unlock_with_wallet(reader=reader, article=parts[0], idempotency_key=new_key())
    whole = services.buy_with_wallet(reader=reader, collection=first, idempotency_key=new_key())
    services.undo_collection_purchase(reader=reader, purchase_id=whole.pk)
    services.remove_article(collection=first, article_id=parts[0].pk)
    services.add_article(collection=second, article=parts[0])
    bought = services.buy_with_wallet(reader=reader, collection=second, idempotency_key=new_key())
    assert (bought.credit_minor, bought.paid_minor) == (300, 200)
    assert_balanced()

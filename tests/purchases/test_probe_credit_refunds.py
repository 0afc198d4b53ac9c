"""A purchase that something bigger was sold for less because of (a collection's credit, a writer
subscription's fair-price credit) stays: the buyer's own refund (refund on request) may not take it back
while the bigger purchase keeps the discount, as the undo may not (found by the outside probe)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from byline.articles.models import Article
from byline.articles.services import set_sales_terms
from byline.collections import services as collections
from byline.ledger.invariants import assert_balanced
from byline.purchases import services as purchases
from byline.purchases.errors import UndoRefused
from byline.purchases.models import Interval, PurchaseStatus
from byline.subscriptions import services as subscriptions
from tests.collections.conftest import make_collection
from tests.conftest import make_article, make_user
from tests.ledger.conftest import balance, fund, new_key

pytestmark = pytest.mark.django_db


def _refundable(author) -> None:
    set_sales_terms(author=author, referral_percent=0, refund_hours=24)


def test_a_part_counted_towards_a_collection_cannot_be_refunded_on_request(author, reader):
    _refundable(author)
    collection, parts = make_collection(author)
    fund(reader, 2000)
    part = purchases.unlock_with_wallet(reader=reader, article=Article.objects.get(pk=parts[0].pk),
                                        idempotency_key=new_key())
    collections.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key())
    assert balance(reader) == 2000 - 700  # 300 for the part, 400 for the rest of the collection
    later = part.created_at + dt.timedelta(hours=1)
    assert not purchases.may_refund_on_request(reader=reader, purchase=part, now=later)  # no button that fails
    with pytest.raises(UndoRefused):
        purchases.refund_on_request(reader=reader, purchase_id=part.pk, now=later)
    part.refresh_from_db()
    assert part.status == PurchaseStatus.ACTIVE and balance(reader) == 1300
    assert_balanced()


def test_a_purchase_credited_to_a_subscription_cannot_be_refunded_on_request(author, reader):
    _refundable(author)
    subscriptions.set_price(author=author, interval=Interval.MONTH, currency="USD", price_minor=500)
    fund(reader, 2000)
    bought = purchases.unlock_with_wallet(reader=reader, article=make_article(author=author),
                                          idempotency_key=new_key())
    subscriptions.subscribe_with_wallet(reader=reader, author=author, interval=Interval.MONTH,
                                        idempotency_key=new_key(), quoted_minor=200)
    later = bought.created_at + dt.timedelta(hours=1)
    with pytest.raises(UndoRefused):
        purchases.refund_on_request(reader=reader, purchase_id=bought.pk, now=later)
    bought.refresh_from_db()
    assert bought.status == PurchaseStatus.ACTIVE and balance(reader) == 1500
    assert_balanced()


def test_staff_cannot_refund_a_part_counted_towards_a_collection_and_the_admin_says_why(author, reader, client):
    collection, parts = make_collection(author)
    fund(reader, 2000)
    part = purchases.unlock_with_wallet(reader=reader, article=Article.objects.get(pk=parts[0].pk),
                                        idempotency_key=new_key())
    collections.buy_with_wallet(reader=reader, collection=collection, idempotency_key=new_key())
    staff = make_user(is_staff=True, is_superuser=True)
    with pytest.raises(UndoRefused) as refused:
        purchases.refund_purchase(purchase_id=part.pk, staff_user=staff)
    assert refused.value.code == "credited"
    client.force_login(staff)
    page = client.post(reverse("admin:purchases_purchase_changelist"),
                       {"action": "refund", "_selected_action": [part.pk]}, follow=True).content.decode()
    assert f"Purchase {part.pk} was not refunded" in page
    part.refresh_from_db()
    assert part.status == PurchaseStatus.ACTIVE and balance(reader) == 1300
    assert_balanced()

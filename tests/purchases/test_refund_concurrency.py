"""Refunds on request under real concurrency (PostgreSQL row locks): the allowance holds, one reversal per purchase."""

import threading

import pytest

from byline.ledger.invariants import assert_balanced
from byline.purchases import services
from byline.purchases.errors import UndoRefused
from byline.purchases.models import Purchase, PurchaseStatus
from tests.conftest import make_article, make_user
from tests.ledger.conftest import balance, fund, new_key
from tests.purchases.test_concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _outcome(call):
    try:
        call()
        return "ok"
    except UndoRefused as refused:
        return refused.code


def test_six_refunds_at_once_stay_within_an_allowance_of_three(author, settings):
    settings.REFUND_ON_REQUEST_HOURS, settings.REFUND_ON_REQUEST_LIMIT = 24, 3
    reader = make_user()
    fund(reader, 6 * 300)
    bought = [services.unlock_with_wallet(reader=reader, article=make_article(author=author),
                                          idempotency_key=new_key()) for _ in range(6)]
    outcomes = run_concurrently(6, lambda i: _outcome(
        lambda: services.refund_on_request(reader=reader, purchase_id=bought[i].pk)))
    assert outcomes.count("ok") == 3 and outcomes.count("limit") == 3
    assert Purchase.objects.filter(status=PurchaseStatus.RETURNED).count() == 3 and balance(reader) == 900
    assert_balanced()


def test_an_undo_racing_a_refund_of_one_purchase_reverses_it_once(paid_article, settings):
    settings.REFUND_ON_REQUEST_HOURS = 24
    reader = make_user()
    fund(reader, 300)
    purchase = services.unlock_with_wallet(reader=reader, article=paid_article, idempotency_key=new_key())
    start = threading.Barrier(2)

    def act(index):
        start.wait()
        if index == 0:
            return _outcome(lambda: services.undo_purchase(reader=reader, purchase_id=purchase.pk))
        return _outcome(lambda: services.refund_on_request(reader=reader, purchase_id=purchase.pk))

    outcomes = run_concurrently(2, act)
    purchase.refresh_from_db()
    assert purchase.status in (PurchaseStatus.UNDONE, PurchaseStatus.RETURNED)
    assert "ok" in outcomes and balance(reader) == 300
    assert_balanced()

"""Tips under real concurrency (PostgreSQL row locks): no overdraft, one tip per key, the ledger sound."""

import pytest

from byline.ledger.invariants import assert_balanced
from byline.tips import services
from byline.tips.errors import NotEnoughForTip
from byline.tips.models import Tip
from tests.conftest import make_user
from tests.ledger.conftest import balance, fund, new_key
from tests.purchases.test_concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_fifty_concurrent_tips_from_a_wallet_that_affords_seven_make_seven(paid_article, settings):
    settings.TIP_FEE_PERCENT = 5
    reader = make_user()
    fund(reader, 7 * 500 + 499)

    def tip(_index):
        try:
            services.tip_from_wallet(tipper=reader, article=paid_article, amount_minor=500, currency="USD",
                                     idempotency_key=new_key())
            return "tipped"
        except NotEnoughForTip:
            return "short"

    outcomes = run_concurrently(50, tip)
    assert outcomes.count("tipped") == 7 and Tip.objects.count() == 7
    assert balance(reader) == 499
    assert_balanced()


def test_twenty_concurrent_requests_with_one_key_tip_once(paid_article):
    reader = make_user()
    fund(reader, 5_000)
    key = new_key()
    ids = run_concurrently(20, lambda _: services.tip_from_wallet(
        tipper=reader, article=paid_article, amount_minor=200, currency="USD", idempotency_key=key).pk)
    assert len(set(ids)) == 1 and Tip.objects.count() == 1 and balance(reader) == 4_800
    assert_balanced()

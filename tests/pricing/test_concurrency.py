"""Under real concurrency (PostgreSQL): a new reader's first money settles one currency, once."""

import pytest

from byline.ledger.invariants import assert_balanced
from byline.pricing.models import ReaderCurrency
from tests.conftest import make_user
from tests.ledger.conftest import balance, fund
from tests.purchases.test_concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_first_top_ups_at_once_in_two_currencies_settle_one_currency_and_credit_all():
    reader = make_user()
    currencies = ["CNY", "USD"] * 10

    def credit(index):
        fund(reader, 1000, currencies[index])

    run_concurrently(20, credit)
    assert ReaderCurrency.objects.filter(reader=reader).count() == 1
    assert ReaderCurrency.objects.get(reader=reader).currency in ("CNY", "USD")
    assert balance(reader, "CNY") == balance(reader, "USD") == 10_000
    assert_balanced()

"""Money fixtures: wallets funded through the same ledger transfer a confirmed top-up posts."""

from __future__ import annotations

import itertools
import uuid

import pytest

from byline.ledger.selectors import wallet_balance
from byline.payments.services import credit_wallet

_funding = itertools.count(1)


def fund(reader, amount_minor: int, currency: str = "USD"):
    """Credit the reader's wallet from provider clearing, as a confirmed top-up does."""
    return credit_wallet(reader=reader, amount_minor=amount_minor, currency=currency,
                         key=f"test-fund:{next(_funding)}:{uuid.uuid4().hex}")


def balance(reader, currency: str = "USD") -> int:
    return wallet_balance(reader=reader, currency=currency)


def new_key() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def funded_reader(reader):
    fund(reader, 1000)
    return reader

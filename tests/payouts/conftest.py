"""Payout fixtures: writers who earned through real purchases, and payout methods set up as a writer would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from byline.payouts import services
from byline.payouts.models import MethodStatus
from byline.payouts.providers import sandbox
from byline.purchases.services import unlock_with_wallet
from tests.conftest import make_article, make_author, make_user
from tests.ledger.conftest import fund, new_key

HOLD_PASSED = dt.timedelta(days=8)  # past the default 7-day hold


def later(delta: dt.timedelta = HOLD_PASSED) -> dt.datetime:
    return timezone.now() + delta


def sell(author, *, price: int = 1000, currency: str = "USD", reader=None):
    """A reader buys one of the author's articles from their wallet: the author earns 90% of `price`."""
    reader = reader or make_user()
    fund(reader, price, currency)
    article = make_article(author=author, price_minor=price, currency=currency)
    return unlock_with_wallet(reader=reader, article=article, idempotency_key=new_key())


def sandbox_method(writer, *, currency: str = "USD", email: str = "", schedule: str = "request"):
    """A sandbox payout account, set up through its onboarding page as a writer would."""
    if email:
        writer.email = email
        writer.save()
    method = services.set_up_method(writer=writer, provider="sandbox", currency=currency, schedule=schedule)
    services.start_onboarding(method=method, return_url="http://testserver/en/payouts/")
    sandbox.complete_onboarding(ref=method.account_ref)
    method = services.refresh_method(method=method)
    assert method.status == MethodStatus.READY
    return method


@pytest.fixture
def writer(db):
    return make_author("payee")


@pytest.fixture
def paid_writer(writer):
    """A writer with $90.00 earned from one $100.00 sale, and a ready sandbox payout account."""
    sell(writer, price=10000)
    sandbox_method(writer.user)
    return writer

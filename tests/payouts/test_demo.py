"""The demo: every author has a payout method and history, and every statement of every writer in it closes on
the ledger."""

import os

import pytest
from django.core.management import call_command

from byline.articles.models import Author
from byline.ledger.invariants import problems
from byline.payouts import selectors
from byline.payouts.models import Payout, PayoutStatus

pytestmark = pytest.mark.django_db


def test_every_demo_statement_closes_on_the_ledger_and_every_author_has_payouts(client):
    call_command("load_demo", stdout=open(os.devnull, "w"))
    assert problems() == []
    assert set(Payout.objects.values_list("status", flat=True)) >= {PayoutStatus.PAID, PayoutStatus.IN_FLIGHT}
    statements = 0
    for author in Author.objects.select_related("user"):
        assert selectors.live_methods(writer=author.user)
        for balance in selectors.balances_of(writer=author.user):
            for year, month in selectors.statement_months(writer=author.user, currency=balance.currency):
                statement = selectors.statement(writer=author.user, currency=balance.currency, year=year, month=month)
                assert statement.balanced, (author, balance.currency, year, month)
                statements += 1
        client.force_login(author.user)
        for language in ("en", "zh-hans"):
            assert client.get(f"/{language}/payouts/").status_code == 200
    assert statements >= 5

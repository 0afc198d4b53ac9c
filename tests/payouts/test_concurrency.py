"""Under real concurrency (PostgreSQL row locks): payouts never take more than is available, and a refund racing a
payout leaves the books exact, the writer's balance never below what they truly owe."""

import threading

import pytest

from byline.ledger.invariants import assert_balanced
from byline.ledger.models import Transfer, TransferKind
from byline.payouts import selectors, services
from byline.payouts.models import Payout, PayoutStatus
from byline.payouts.services import PayoutRefused
from byline.purchases.services import refund_purchase
from tests.conftest import make_author, make_user
from tests.ledger.conftest import new_key
from tests.payouts.conftest import later, sandbox_method, sell
from tests.purchases.test_concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_concurrent_payout_requests_against_a_balance_that_allows_one_pay_out_exactly_one():
    author = make_author()
    sell(author, price=10000)
    sandbox_method(author.user)
    when = later()

    def ask(_):
        try:
            return services.send_payout(payout=services.request_payout(
                writer=author.user, currency="USD", idempotency_key=new_key(), amount_minor=6000, now=when)).status
        except PayoutRefused:
            return "refused"

    outcomes = run_concurrently(20, ask)
    assert outcomes.count(PayoutStatus.PAID) == 1 and outcomes.count("refused") == 19
    assert Payout.objects.count() == 1 and Transfer.objects.filter(kind=TransferKind.PAYOUT).count() == 1
    assert selectors.balance_of(writer=author.user, currency="USD", now=when).available == 3000
    assert_balanced()


def test_twenty_concurrent_requests_with_one_key_make_one_payout():
    author = make_author()
    sell(author, price=10000)
    sandbox_method(author.user)
    key, when = new_key(), later()
    ids = run_concurrently(20, lambda _: services.request_payout(writer=author.user, currency="USD",
                                                                 idempotency_key=key, amount_minor=2000,
                                                                 now=when).pk)
    assert len(set(ids)) == 1 and Payout.objects.count() == 1
    assert_balanced()


@pytest.mark.parametrize("round_", range(3))
def test_a_refund_racing_a_payout_leaves_the_balance_exactly_what_is_owed(round_):
    author = make_author()
    purchase = sell(author, price=10000)
    sandbox_method(author.user)
    staff, when = make_user(is_staff=True), later()
    start = threading.Barrier(2)

    def race(index):
        start.wait()
        if index == 0:
            try:
                return services.send_payout(payout=services.request_payout(
                    writer=author.user, currency="USD", idempotency_key=new_key(), now=when)).status
            except PayoutRefused:
                return "refused"
        refund_purchase(purchase_id=purchase.pk, staff_user=staff)
        return "refunded"

    outcome, _ = run_concurrently(2, race)
    balance = selectors.balance_of(writer=author.user, currency="USD", now=when)
    # Earned 9000, taken back 9000: paid out + available + pending = 0, whichever came first.
    assert balance.paid_out + balance.available + balance.pending == 0
    if outcome == PayoutStatus.PAID:  # the payout went first: the refund is the writer's recorded debt
        assert (balance.available, balance.debt) == (-9000, 9000)
    else:  # the refund went first: nothing was there to pay out
        assert outcome == "refused" and (balance.available, balance.paid_out) == (0, 0)
    with pytest.raises(PayoutRefused):
        services.request_payout(writer=author.user, currency="USD", idempotency_key=new_key(), now=when)
    assert_balanced()

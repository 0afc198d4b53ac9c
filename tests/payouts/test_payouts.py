"""Pending and available earnings, and payouts through the sandbox provider: exact, once, ledger first."""

import datetime as dt

import pytest
from django.core.management import call_command

from byline.ledger.invariants import assert_balanced, problems
from byline.ledger.models import Account, AccountKind, Transfer, TransferKind
from byline.payouts import selectors, services
from byline.payouts.models import Payout, PayoutStatus
from byline.payouts.providers import sandbox
from byline.payouts.services import PayoutRefused
from byline.purchases import memberships
from byline.purchases.models import MembershipPlan
from byline.purchases.services import refund_purchase, undo_purchase
from tests.conftest import make_user
from tests.ledger.conftest import fund, new_key
from tests.payouts.conftest import later, sandbox_method, sell

pytestmark = pytest.mark.django_db


def balance(writer, currency="USD", when=None):
    return selectors.balance_of(writer=writer.user, currency=currency, now=when or later())


def test_a_sale_is_pending_until_the_hold_passes_then_available(writer):
    purchase = sell(writer, price=1000)
    now = selectors.balance_of(writer=writer.user, currency="USD")
    assert (now.pending, now.available, now.earned) == (900, 0, 900)
    assert now.next_release == purchase.transfer.created_at + dt.timedelta(days=7)
    after = balance(writer)
    assert (after.pending, after.available, after.next_release) == (0, 900, None)


def test_the_undo_window_is_the_shortest_hold(writer, settings):
    settings.PAYOUT_HOLD_DAYS = 0
    sell(writer, price=1000)
    assert balance(writer, when=later(dt.timedelta(minutes=5))).pending == 900
    assert balance(writer, when=later(dt.timedelta(minutes=11))).available == 900


def test_an_undone_sale_is_neither_pending_nor_available(writer):
    purchase = sell(writer, price=1000)
    undo_purchase(reader=purchase.reader, purchase_id=purchase.pk)
    now = selectors.balance_of(writer=writer.user, currency="USD")
    assert (now.pending, now.available, now.earned, now.taken_back) == (0, 0, 900, 900)


def test_a_payout_moves_the_available_balance_to_the_provider_once(paid_writer):
    key = new_key()
    payout = services.request_payout(writer=paid_writer.user, currency="USD", idempotency_key=key, now=later())
    assert payout.status == PayoutStatus.SENDING and payout.amount_minor == 9000
    assert services.request_payout(writer=paid_writer.user, currency="USD", idempotency_key=key,
                                   now=later()).pk == payout.pk
    payout = services.send_payout(payout=payout)
    assert payout.status == PayoutStatus.PAID and payout.settlement is not None
    assert services.send_payout(payout=payout).status == PayoutStatus.PAID  # sending again does nothing
    after = balance(paid_writer)
    assert (after.available, after.pending, after.paid_out) == (0, 0, 9000)
    assert Account.objects.get(kind=AccountKind.PAYOUT, currency="USD").balance == 0
    assert Transfer.objects.filter(kind=TransferKind.PAYOUT).count() == 1
    assert_balanced()


def test_money_still_pending_cannot_be_paid_out(paid_writer):
    with pytest.raises(PayoutRefused):
        services.request_payout(writer=paid_writer.user, currency="USD", idempotency_key=new_key())
    assert not Payout.objects.exists() and not Transfer.objects.filter(kind=TransferKind.PAYOUT).exists()


@pytest.mark.parametrize("amount", [999, 9001])
def test_a_payout_below_the_minimum_or_above_the_balance_moves_nothing(paid_writer, amount):
    with pytest.raises(PayoutRefused):
        services.request_payout(writer=paid_writer.user, currency="USD", idempotency_key=new_key(),
                                amount_minor=amount, now=later())
    assert balance(paid_writer).available == 9000 and not Payout.objects.exists()


def test_a_writer_without_a_ready_method_cannot_request(writer):
    sell(writer, price=10000)
    with pytest.raises(PayoutRefused):
        services.request_payout(writer=writer.user, currency="USD", idempotency_key=new_key(), now=later())


def test_a_refused_transfer_gives_the_whole_payout_back(writer):
    sell(writer, price=10000)
    sandbox_method(writer.user, email="fail@example.org")
    payout = services.send_payout(payout=services.request_payout(
        writer=writer.user, currency="USD", idempotency_key=new_key(), now=later()))
    assert payout.status == PayoutStatus.FAILED and payout.failure_reason == "account_closed"
    assert balance(writer).available == 9000 and payout.reversal.reverses_id == payout.debit_id
    assert_balanced()


def test_a_paid_payout_that_comes_back_is_reversed_in_full(paid_writer):
    payout = services.send_payout(payout=services.request_payout(
        writer=paid_writer.user, currency="USD", idempotency_key=new_key(), amount_minor=5000, now=later()))
    assert payout.status == PayoutStatus.PAID
    assert sandbox.return_transfer(reference=payout.reference) == 200
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.RETURNED
    assert payout.settlement_reversal.reverses_id == payout.settlement_id
    after = balance(paid_writer)
    assert (after.available, after.paid_out) == (9000, 0)
    assert_balanced()


def test_a_refund_after_the_money_was_paid_out_is_the_writers_recorded_debt(paid_writer):
    purchase = Transfer.objects.filter(kind=TransferKind.PURCHASE).get().purchase
    services.send_payout(payout=services.request_payout(writer=paid_writer.user, currency="USD",
                                                        idempotency_key=new_key(), now=later()))
    refund_purchase(purchase_id=purchase.pk, staff_user=make_user(is_staff=True))
    owed = balance(paid_writer)
    assert (owed.available, owed.debt, owed.paid_out) == (-9000, 9000, 9000)
    assert_balanced()  # paid out 9000 + available -9000 + pending 0 = earned 9000 - reversed 9000
    sell(paid_writer, price=12000)  # 10800 more: the debt is paid back first, 1800 is left
    with pytest.raises(PayoutRefused):  # still pending, and the debt is bigger than nothing
        services.request_payout(writer=paid_writer.user, currency="USD", idempotency_key=new_key())
    assert balance(paid_writer).available == 1800


def test_payouts_wait_for_staff_approval_when_the_site_asks_for_it(paid_writer, settings):
    settings.PAYOUT_APPROVAL = True
    first = services.request_payout(writer=paid_writer.user, currency="USD", idempotency_key=new_key(),
                                    amount_minor=4000, now=later())
    second = services.request_payout(writer=paid_writer.user, currency="USD", idempotency_key=new_key(),
                                     amount_minor=5000, now=later())
    assert first.status == second.status == PayoutStatus.REQUESTED
    assert balance(paid_writer).available == 0  # reserved while waiting
    staff = make_user(is_staff=True)
    assert services.approve_payout(payout=first, staff_user=staff).status == PayoutStatus.PAID
    assert services.cancel_payout(payout=second, reason="writer asked").status == PayoutStatus.CANCELLED
    assert balance(paid_writer).available == 5000
    assert_balanced()


def test_a_bank_transfer_is_paid_when_staff_record_it(writer):
    sell(writer, price=10000)
    method = services.set_up_method(writer=writer.user, provider="bank", currency="USD", holder_name="A. Writer",
                                    bank_details="IBAN DE00 0000 0000 0000")
    assert method.status == "ready"
    payout = services.send_payout(payout=services.request_payout(
        writer=writer.user, currency="USD", idempotency_key=new_key(), now=later()))
    assert payout.status == PayoutStatus.IN_FLIGHT
    staff = make_user(is_staff=True)
    assert services.record_bank_transfer(payout=payout, staff_user=staff, bank_reference="BANK-1") == "paid"
    assert services.record_bank_failure(payout=payout, staff_user=staff, reason="bounced") == "returned"
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.RETURNED and balance(writer).available == 9000
    assert_balanced()


def test_monthly_payouts_pay_each_writer_once_a_month(writer):
    sell(writer, price=10000)
    sandbox_method(writer.user, schedule="monthly")
    when = later()
    assert services.pay_monthly(now=when) == {"paid": 1}
    sell(writer, price=10000)
    assert services.pay_monthly(now=when) == {"already paid this month": 1}
    assert Payout.objects.filter(trigger="monthly").count() == 1 and balance(writer).available == 9000
    assert services.pay_monthly(now=when + dt.timedelta(days=31)) == {"paid": 1}
    assert balance(writer, when=when + dt.timedelta(days=31)).available == 0
    assert_balanced()


def test_a_pool_share_is_pending_from_the_close(writer):
    reader = make_user()
    fund(reader, 800)
    plan = MembershipPlan.objects.create(name="M", interval="month", price_minor=800, currency="USD")
    memberships.join_with_wallet(reader=reader, plan=plan, idempotency_key=new_key())
    article = sell(writer, price=500).article
    memberships.record_member_read(reader=reader, article=article)
    memberships.close_pool_period(currency="USD")
    now = selectors.balance_of(writer=writer.user, currency="USD")
    assert now.pending == 450 + 720 and balance(writer).available == 1170


def test_ledger_check_names_a_payout_whose_status_disagrees_with_its_transfers(paid_writer):
    payout = services.send_payout(payout=services.request_payout(
        writer=paid_writer.user, currency="USD", idempotency_key=new_key(), now=later()))
    assert problems() == []
    Payout.objects.filter(pk=payout.pk).update(status=PayoutStatus.IN_FLIGHT, settlement=None)
    found = problems()
    assert any("payouts that stand" in p or "payout clearing" in p for p in found), found
    with pytest.raises(Exception, match="ledger_check found"):
        call_command("ledger_check")

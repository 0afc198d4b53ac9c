"""The ledger: transfers balance, apply once, never overdraw a wallet, and are corrected only by reversal."""

import pytest
from django.core.management import CommandError, call_command

from byline.ledger import services as ledger
from byline.ledger.invariants import LedgerInvariantError, assert_balanced, problems
from byline.ledger.models import Account, AccountKind, Entry, Transfer
from tests.conftest import make_user
from tests.ledger.conftest import balance, fund

pytestmark = pytest.mark.django_db


def wallets(currency="USD"):
    a, b = make_user(), make_user()
    return (ledger.account_for(kind=AccountKind.WALLET, owner=a, currency=currency),
            ledger.account_for(kind=AccountKind.WALLET, owner=b, currency=currency), a, b)


def test_a_top_up_moves_money_from_clearing_into_the_wallet_and_sums_to_zero(reader):
    posted = fund(reader, 700)
    assert sorted(posted.entries.values_list("amount", flat=True)) == [-700, 700]
    assert balance(reader) == 700
    assert Account.objects.get(kind=AccountKind.CLEARING, currency="USD").balance == -700
    assert_balanced()


def test_a_repeated_key_applies_the_transfer_once():
    a, b, reader, _ = wallets()
    fund(reader, 500)
    first = ledger.transfer(key="k1", kind="correction", legs=[ledger.Leg(a, -200), ledger.Leg(b, 200)])
    again = ledger.transfer(key="k1", kind="correction", legs=[ledger.Leg(a, -200), ledger.Leg(b, 200)])
    assert again.pk == first.pk
    assert balance(reader) == 300
    assert Transfer.objects.filter(key="k1").count() == 1


def test_a_wallet_can_never_go_below_zero_and_a_refused_transfer_writes_nothing():
    a, b, reader, _ = wallets()
    fund(reader, 100)
    before = Entry.objects.count()
    with pytest.raises(ledger.InsufficientFunds) as refused:
        ledger.transfer(key="too-much", kind="correction", legs=[ledger.Leg(a, -101), ledger.Leg(b, 101)])
    assert refused.value.missing == 1
    assert Entry.objects.count() == before and not Transfer.objects.filter(key="too-much").exists()
    assert balance(reader) == 100


@pytest.mark.parametrize("legs", [
    [(0, -100), (1, 99)],          # does not sum to zero
    [(0, -100)],                   # one leg
    [(0, 0), (1, 0)],              # zero amounts
    [(0, -1.5), (1, 1.5)],         # not integers
    [(0, -10**13), (1, 10**13)],   # absurdly large
])
def test_malformed_transfers_are_refused(legs):
    a, b, reader, _ = wallets()
    fund(reader, 100)
    accounts = [a, b]
    with pytest.raises(ledger.LedgerError):
        ledger.transfer(key="bad", kind="correction", legs=[ledger.Leg(accounts[i], amount) for i, amount in legs])
    assert not Transfer.objects.filter(key="bad").exists()


def test_legs_in_different_currencies_are_refused():
    a, _, reader, _ = wallets("USD")
    other = ledger.account_for(kind=AccountKind.FEES, currency="EUR")
    fund(reader, 100)
    with pytest.raises(ledger.LedgerError):
        ledger.transfer(key="mixed", kind="correction", legs=[ledger.Leg(a, -50), ledger.Leg(other, 50)])


def test_a_reversal_mirrors_the_original_points_at_it_and_happens_once(reader):
    original = fund(reader, 400)
    reversal = ledger.reverse(original=original, key="rev-1", kind="correction")
    assert reversal.reverses_id == original.pk and balance(reader) == 0
    with pytest.raises(ledger.LedgerError):
        ledger.reverse(original=original, key="rev-2", kind="correction")
    assert_balanced()


def test_transfers_cannot_be_edited_or_deleted(reader):
    posted = fund(reader, 100)
    with pytest.raises(ValueError):
        posted.save()
    with pytest.raises(ValueError):
        posted.delete()


def test_ledger_check_passes_on_a_sound_ledger(reader, capsys):
    fund(reader, 100)
    call_command("ledger_check")
    assert "Ledger sound" in capsys.readouterr().out


def test_ledger_check_fails_naming_a_balance_that_disagrees_with_its_entries(reader):
    fund(reader, 100)
    wallet = Account.objects.get(owner=reader)
    Account.objects.filter(pk=wallet.pk).update(balance=150)
    with pytest.raises(CommandError):
        call_command("ledger_check")
    assert any(f"account #{wallet.pk} stores balance 150" in p for p in problems())
    with pytest.raises(LedgerInvariantError):
        assert_balanced()


def test_ledger_check_names_a_transfer_that_does_not_sum_to_zero(reader):
    posted = fund(reader, 100)
    Entry.objects.filter(transfer=posted, amount=100).update(amount=90)
    Account.objects.filter(owner=reader).update(balance=90)
    assert problems() == [f"transfer #{posted.pk} has 2 entries summing to -10, not zero"]

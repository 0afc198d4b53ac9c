"""What must always hold in the ledger, stated once and checked by `ledger_check`, the staff
health page and the tests.

1. Every transfer has two or more entries, and they sum to zero.
2. Every entry is in its transfer's currency (the account's currency).
3. Every account's stored balance equals the sum of its entries.
4. No wallet is below zero.
5. Each idempotency key was applied once; each transfer is reversed at most once, by its exact mirror.
6. Per writer and currency: paid out + available + pending = earned - reversed. The earnings account
   holds pending + available (which part is which follows from the entries' dates: byline.payouts.holds);
   paid out is what payout transfers took from it net of their reversals, never below zero; earned and
   reversed are its other credits and debits.
7. No payout clearing account is below zero: money leaves for a writer only after it left their earnings.

Apps add checks of their own records against the ledger with `register` (byline.payouts: each payout's
status matches its transfers, paid out per writer equals the payouts that stand).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Count, F, Q, Sum

from byline.ledger.models import PAYOUT_KINDS, Account, AccountKind, Entry, Transfer

LIMIT = 20  # name at most this many offenders per rule

Check = Callable[[], list[str]]
_checks: list[Check] = []


def register(check: Check) -> None:
    """Add an app's own check (read-only: it names problems, never fixes them) to `problems`."""
    if check not in _checks:
        _checks.append(check)


class LedgerInvariantError(AssertionError):
    pass


def problems() -> list[str]:
    """Every broken invariant, described in a sentence naming the offending ids; empty when sound."""
    found: list[str] = []
    unbalanced = (Transfer.objects.annotate(total=Sum("entries__amount"), legs=Count("entries"))
                  .filter(Q(total__isnull=True) | ~Q(total=0) | Q(legs__lt=2)).values_list("pk", "total", "legs"))
    for pk, total, legs in unbalanced[:LIMIT]:
        found.append(f"transfer #{pk} has {legs} entries summing to {total or 0}, not zero")
    mixed = Entry.objects.exclude(account__currency=F("transfer__currency")).values_list("pk", "transfer_id")
    for pk, transfer_id in mixed[:LIMIT]:
        found.append(f"entry #{pk} of transfer #{transfer_id} is in another currency than its transfer")
    drift = (Account.objects.annotate(total=Sum("entries__amount"))
             .exclude(balance=F("total")).exclude(total__isnull=True, balance=0)
             .values_list("pk", "balance", "total"))
    for pk, balance, total in drift[:LIMIT]:
        found.append(f"account #{pk} stores balance {balance} but its entries sum to {total or 0}")
    negative = Account.objects.filter(kind=AccountKind.WALLET, balance__lt=0).values_list("pk", "balance")
    for pk, balance in negative[:LIMIT]:
        found.append(f"wallet #{pk} is negative: {balance}")
    repeated = Transfer.objects.values("key").annotate(n=Count("pk")).filter(n__gt=1).values_list("key", "n")
    for key, n in repeated[:LIMIT]:
        found.append(f"idempotency key {key!r} was applied {n} times")
    for reversal in Transfer.objects.filter(reverses__isnull=False).prefetch_related("entries", "reverses__entries"):
        mirror = {(e.account_id, -e.amount) for e in reversal.reverses.entries.all()}
        if {(e.account_id, e.amount) for e in reversal.entries.all()} != mirror:
            found.append(f"transfer #{reversal.pk} does not exactly reverse transfer #{reversal.reverses_id}")
            if len(found) > 6 * LIMIT:
                break
    found += earnings_problems()
    for check in _checks:
        found += check()
    return found


def earnings_problems() -> list[str]:
    """Invariants 6 and 7: every writer's earnings add up, and no payout clearing is below zero."""
    found: list[str] = []
    payout = Q(entries__transfer__kind__in=PAYOUT_KINDS)
    sums = (Account.objects.filter(kind=AccountKind.EARNINGS)
            .annotate(earned=Sum("entries__amount", filter=~payout & Q(entries__amount__gt=0), default=0),
                      taken_back=Sum("entries__amount", filter=~payout & Q(entries__amount__lt=0), default=0),
                      paid_out=Sum("entries__amount", filter=payout, default=0))
            .values_list("pk", "owner_id", "currency", "balance", "earned", "taken_back", "paid_out"))
    for pk, owner_id, currency, balance, earned, taken_back, paid_net in sums:
        paid_out, reversed_ = -paid_net, -taken_back
        if paid_out < 0:
            found.append(f"earnings #{pk} (writer {owner_id}, {currency}) got back {-paid_out} more from "
                         "payout reversals than payouts took")
        if paid_out + balance != earned - reversed_:
            found.append(f"earnings #{pk} (writer {owner_id}, {currency}): paid out {paid_out} + available and "
                         f"pending {balance} != earned {earned} - reversed {reversed_}")
        if len(found) > LIMIT:
            break
    negative = Account.objects.filter(kind=AccountKind.PAYOUT, balance__lt=0).values_list("pk", "currency", "balance")
    for pk, currency, balance in negative[:LIMIT]:
        found.append(f"payout clearing #{pk} ({currency}) is negative: {balance}")
    return found


def assert_balanced() -> None:
    """Raise LedgerInvariantError naming every broken invariant."""
    found = problems()
    if found:
        raise LedgerInvariantError("; ".join(found))

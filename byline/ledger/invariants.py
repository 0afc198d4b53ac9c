"""What must always hold in the ledger, stated once and checked by `ledger_check`, the staff
health page and the tests.

1. Every transfer has two or more entries, and they sum to zero.
2. Every entry is in its transfer's currency (the account's currency).
3. Every account's stored balance equals the sum of its entries.
4. No wallet is below zero.
5. Each idempotency key was applied once; each transfer is reversed at most once, by its exact mirror.
"""

from __future__ import annotations

from django.db.models import Count, F, Q, Sum

from byline.ledger.models import Account, AccountKind, Entry, Transfer

LIMIT = 20  # name at most this many offenders per rule


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
    return found


def assert_balanced() -> None:
    """Raise LedgerInvariantError naming every broken invariant."""
    found = problems()
    if found:
        raise LedgerInvariantError("; ".join(found))

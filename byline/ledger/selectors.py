"""Reads of the ledger: balances and the history of one account."""

from __future__ import annotations

from django.db.models import QuerySet

from byline.ledger.models import Account, AccountKind, Entry

HISTORY_LIMIT = 100


def accounts_of(*, owner, kind: str) -> list[Account]:
    return list(Account.objects.filter(owner=owner, kind=kind).order_by("currency"))


def balance_of(*, owner, kind: str, currency: str) -> int:
    """The balance, 0 for an account not yet opened. One query."""
    value = Account.objects.filter(owner=owner, kind=kind, currency=currency).values_list("balance", flat=True).first()
    return value or 0


def wallet_balance(*, reader, currency: str) -> int:
    return balance_of(owner=reader, kind=AccountKind.WALLET, currency=currency)


def history(*, owner, kind: str, limit: int = HISTORY_LIMIT) -> QuerySet[Entry]:
    """The latest entries on this owner's accounts of `kind`, newest first, bounded."""
    return (Entry.objects.filter(account__owner=owner, account__kind=kind)
            .select_related("transfer", "transfer__reverses", "account")
            .order_by("-transfer__created_at", "-transfer_id")[:limit])

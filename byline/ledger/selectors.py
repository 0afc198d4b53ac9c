"""Reads of the ledger: balances and the history of one account."""

from __future__ import annotations

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet

from byline.core import prepared
from byline.ledger.models import Account, AccountKind, Entry

HISTORY_LIMIT = 100


def accounts_of(*, owner, kind: str) -> list[Account]:
    return list(Account.objects.filter(owner=owner, kind=kind).order_by("currency"))


def balance_of(*, owner, kind: str, currency: str) -> int:
    """The balance, 0 for an account not yet opened. One query (a prepared statement: every signed-in
    reader's paywall asks it)."""
    connection = connections[router.db_for_read(Account)]
    with prepared.cursor(connection) as cursor:
        cursor.execute(_balance_sql(connection), [owner.pk, kind, currency])
        row = cursor.fetchone()
    return row[0] if row else 0


def _balance_sql(connection: BaseDatabaseWrapper) -> str:
    """At most one row: an account is unique per (kind, owner, currency)."""
    if connection.vendor not in _BALANCE_SQL:
        quote = connection.ops.quote_name
        column = {name: quote(Account._meta.get_field(name).column)
                  for name in ("balance", "owner", "kind", "currency")}
        _BALANCE_SQL[connection.vendor] = (
            f"SELECT {column['balance']} FROM {quote(Account._meta.db_table)} "
            f"WHERE {column['owner']} = %s AND {column['kind']} = %s AND {column['currency']} = %s")
    return _BALANCE_SQL[connection.vendor]


_BALANCE_SQL: dict[str, str] = {}


def wallet_balance(*, reader, currency: str) -> int:
    return balance_of(owner=reader, kind=AccountKind.WALLET, currency=currency)


def history(*, owner, kind: str, limit: int = HISTORY_LIMIT) -> QuerySet[Entry]:
    """The latest entries on this owner's accounts of `kind`, newest first, bounded."""
    return (Entry.objects.filter(account__owner=owner, account__kind=kind)
            .select_related("transfer", "transfer__reverses", "account")
            .order_by("-transfer__created_at", "-transfer_id")[:limit])

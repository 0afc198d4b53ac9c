"""The only code that changes balances: `transfer` (and `reverse`, which posts a transfer).

Rules a caller may rely on:
- a transfer is applied at most once per `key`; a repeat returns the first transfer unchanged;
- all of it happens in one database transaction. Wallet rows (the only accounts with a floor)
  are locked first, in id order, and checked; the other accounts (earnings, fees, clearing,
  pool: busy rows shared by many transfers) are changed last by an atomic `balance + amount`
  update in id order, so they are held only for the moment before commit, and two transfers
  never wait on each other in a cycle;
- a wallet never goes below zero: the transfer is refused with `InsufficientFunds`
  and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from byline.core import prepared
from byline.ledger.models import Account, AccountKind, Entry, Transfer

MAX_AMOUNT = 10**12  # a bound on any one leg, far above any real payment


class LedgerError(Exception):
    """A transfer that breaks a ledger rule; nothing was written."""


class AccountsMissing(LedgerError):
    """Raised by `accounts_locked` for accounts that do not exist yet, as (kind, currency, owner id) triples."""

    def __init__(self, missing: list):
        super().__init__(f"no such accounts yet: {missing}")
        self.missing = missing


class InsufficientFunds(LedgerError):
    def __init__(self, account: Account, missing: int):
        super().__init__(f"{account} lacks {missing} minor units")
        self.account = account
        self.missing = missing


@dataclass(frozen=True)
class Leg:
    account: Account
    amount: int


def _owner_id(owner) -> int | None:
    return owner if owner is None or isinstance(owner, int) else owner.pk


def account_for(*, kind: str, currency: str, owner=None) -> Account:
    """The one account of this kind for this owner (a user or user id; None for system accounts) and
    currency, created if new."""
    if (owner is None) == (kind in (AccountKind.WALLET, AccountKind.EARNINGS)):
        raise LedgerError(f"an account of kind {kind} {'needs' if owner is None else 'has no'} owner")
    owner_id = _owner_id(owner)
    account = Account.objects.filter(kind=kind, owner_id=owner_id, currency=currency).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(kind=kind, owner_id=owner_id, currency=currency)
    except IntegrityError:  # created by a concurrent request a moment ago
        return Account.objects.get(kind=kind, owner_id=owner_id, currency=currency)


def accounts_for(specs: Sequence[tuple[str, str, object]]) -> list[Account]:
    """Several accounts at once, as (kind, currency, owner) triples: one query when they all exist."""
    query = Q(pk__in=[])
    for kind, currency, owner in specs:
        query |= Q(kind=kind, currency=currency, owner_id=_owner_id(owner))
    found = {(a.kind, a.currency, a.owner_id): a for a in Account.objects.filter(query)}
    return [found.get((kind, currency, _owner_id(owner)))
            or account_for(kind=kind, currency=currency, owner=owner) for kind, currency, owner in specs]


def accounts_locked(specs: Sequence[tuple[str, str, object]],
                    also: Sequence[tuple[str, Sequence] | None] = (),
                    writes: Sequence[tuple[str, Sequence]] = ()) -> tuple[list[Account], dict[int, Account], list]:
    """`accounts_for(specs)` inside the caller's transaction, with the wallets among them locked (in id order) for
    the rest of it, in one statement when they all exist (issue 23: the look-up and the lock were two round trips).
    Answers (the accounts in the order of `specs`, the locked wallets by id as `lock_accounts` answers, `also`'s
    answers).

    `also`: look-ups of the caller's own, each `(sql, params)` of one scalar query (or None: not asked), read in
    the same statement, so they cost no round trip of their own. They are read as the statement starts, before the
    lock is granted: nothing that the wallet lock serialises may be asked this way.

    `writes`: statements of the caller's own, each `(sql, params)` of one INSERT, UPDATE or DELETE, sent in the same
    statement as data-modifying WITH clauses (PostgreSQL only: `posts_in_one_statement()`). Their answers are not
    read. They belong to the caller's transaction: whatever rolls it back (a refusal, AccountsMissing) rolls them
    back, so a write that must happen only with the caller's transfer costs no round trip of its own. Being in the
    statement that locks a reader's wallet, they hold no busy shared row (the earnings, the fees) any longer.

    Raises AccountsMissing where one of the accounts does not exist yet (a reader's first purchase, a writer's
    first sale): the caller rolls its block back, creates them with `accounts_for` outside it, and tries again.
    Creating them inside the block instead would hold each new row's unique-index entry to the commit, and two
    purchases creating two writers' accounts in opposite order would deadlock.

    The wallets' balances come from the locking scan itself, so they are the newest committed ones even after
    waiting for another transaction's lock (READ COMMITTED hands the locking clause the latest row version). On
    SQLite there is no row lock to take: its transactions take the database's write lock at BEGIN (IMMEDIATE)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise LedgerError("accounts_locked must run inside transaction.atomic()")
    wallets, others = [], []
    for kind, currency, owner in specs:
        owner_id = _owner_id(owner)
        clause = (f"(kind = %s AND currency = %s AND owner_id {'IS NULL' if owner_id is None else '= %s'})",
                  [kind, currency] + ([] if owner_id is None else [owner_id]))
        (wallets if kind == AccountKind.WALLET else others).append(clause)
    asked = [query for query in also if query is not None]
    if writes and not posts_in_one_statement():
        raise LedgerError("accounts_locked(writes=...) is for PostgreSQL only (posts_in_one_statement)")
    table = Account._meta.db_table
    columns = "id, kind, owner_id, currency, balance"  # the rest of the row stays deferred: a transfer needs no more
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = (f"WITH wallets AS (SELECT {columns} FROM {table} WHERE "
           f"{' OR '.join(clause for clause, _ in wallets) or '1 = 0'} ORDER BY id{lock})"
           f"{''.join(f', written_{n} AS ({write})' for n, (write, _) in enumerate(writes))} "
           f"SELECT {columns}{''.join(f', ({query})' for query, _ in asked)} FROM wallets")
    params = [value for _, values in wallets for value in values] + [value for _, values in writes for value in values]
    params += [value for _, values in asked for value in values]
    if others:
        sql += (f" UNION ALL SELECT {columns}{', NULL' * len(asked)} FROM {table} WHERE "
                + " OR ".join(clause for clause, _ in others))
        params += [value for _, values in others for value in values]
    # Prepared (parsed and planned once per connection and shape): the plan of this statement and of the transfer's
    # cost the server more than running them.
    with prepared.cursor(connection) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found, locked, answers = {}, {}, [None] * len(asked)
    for row in rows:
        account = Account.from_db(connection.alias, ["id", "kind", "owner_id", "currency", "balance"], row[:5])
        found[(account.kind, account.currency, account.owner_id)] = account
        if account.kind == AccountKind.WALLET:
            locked[account.pk] = account
            answers = list(row[5:])
    wanted = [(kind, currency, _owner_id(owner)) for kind, currency, owner in specs]
    if len(found) < len(wanted):
        raise AccountsMissing([key for key in wanted if key not in found])
    answer = iter(answers)
    return [found[key] for key in wanted], locked, [next(answer) if query is not None else None for query in also]


def lock_accounts(accounts: Iterable[Account]) -> dict[int, Account]:
    """Lock these account rows for the rest of the transaction, in id order; fresh copies by id."""
    if not transaction.get_connection().in_atomic_block:
        raise LedgerError("lock_accounts must run inside transaction.atomic()")
    ids = sorted({account.pk for account in accounts})
    return {account.pk: account for account in Account.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _check_legs(legs: Sequence[Leg]) -> str:
    if len(legs) < 2:
        raise LedgerError("a transfer needs at least two legs")
    currencies = {leg.account.currency for leg in legs}
    if len(currencies) != 1:
        raise LedgerError("all legs of a transfer share one currency")
    if len({leg.account.pk for leg in legs}) != len(legs):
        raise LedgerError("one leg per account")
    for leg in legs:
        if type(leg.amount) is not int or leg.amount == 0 or abs(leg.amount) > MAX_AMOUNT:
            raise LedgerError(f"bad amount {leg.amount!r}")
    if sum(leg.amount for leg in legs) != 0:
        raise LedgerError("legs must sum to zero")
    return currencies.pop()


def transfer(*, key: str, kind: str, legs: Sequence[Leg], reverses: Transfer | None = None,
             memo: str = "", locked: Mapping[int, Account] | None = None, savepoints: bool = True,
             before_balances: Callable[[Transfer], object] | None = None,
             row: tuple[str, Sequence] | None = None,
             after_row: tuple[str, Sequence] | None = None) -> Transfer:
    """Post one transfer, once per `key`. Raises InsufficientFunds or LedgerError and writes nothing.

    `locked`: wallet rows the caller already locked in this transaction (`lock_accounts`' answer), so
    they are not asked for again; any other wallet of the legs is locked here.

    `savepoints=False`: for a caller inside its own `transaction.atomic()` block that rolls back whole on any
    error (a purchase from the wallet): no SAVEPOINT round trips, and a repeated key raises IntegrityError
    to that caller instead of returning the first transfer.

    `before_balances(transfer)`: the caller's own row that points at the transfer (a purchase), written in
    the same transaction after the entries and before the balances, so the busy earnings and fees rows are
    held (from their update to the commit) for as short a time as possible.

    On PostgreSQL, `savepoints=False` posts the transfer, its entries and every balance in one statement
    (`_POST_SQL`), and `before_balances` runs right after it: one round trip instead of 2 + one per leg, for
    one more round trip of holding the busy rows. SQLite takes the ORM path; the same tests run on both.

    `row`: on that one-statement path (`posts_in_one_statement()`), the caller's own row instead of
    `before_balances`, in the same statement: `(sql, params)` of one INSERT that reads the new transfer from
    `posted` (columns id and created_at) and returns the new row's id, which is set as `transfer.row_id`.
    `after_row`: one more INSERT in that statement, after `row`, which may read the new row's id from `caller`
    (a purchase's pending receipt)."""
    if not key or len(key) > 160:
        raise LedgerError("a transfer needs a key of 1 to 160 characters")
    currency = _check_legs(legs)
    if not savepoints and not transaction.get_connection().in_atomic_block:
        raise LedgerError("transfer(savepoints=False) must run inside the caller's transaction.atomic()")
    with transaction.atomic(savepoint=savepoints):
        wallets = [leg.account for leg in legs if leg.account.kind == AccountKind.WALLET]
        held = {wallet.pk: locked[wallet.pk] for wallet in wallets if locked and wallet.pk in locked}
        missing = [wallet for wallet in wallets if wallet.pk not in held]
        locked = {**held, **(lock_accounts(missing) if missing else {})}
        # The key first: its unique index answers a repeat (the first transfer stands) without a read before
        # every transfer; the funds are checked after, and a refusal rolls the insert back with the rest.
        if not savepoints and posts_in_one_statement():
            _check_funds(legs, locked)
            posted = _post_in_one_statement(key=key, kind=kind, currency=currency, memo=memo, reverses=reverses,
                                            legs=legs, locked=locked, row=row, after_row=after_row)
            if before_balances is not None and row is None:
                before_balances(posted)
            return posted
        if row is not None or after_row is not None:
            raise LedgerError("transfer(row=...) is for the one-statement path only (posts_in_one_statement)")
        if savepoints:
            posted, first = _insert_once(key=key, kind=kind, currency=currency, memo=memo, reverses=reverses)
            if not first:
                return posted
        else:
            posted = Transfer.objects.create(key=key, kind=kind, currency=currency, memo=memo[:200],
                                             reverses=reverses)
        _check_funds(legs, locked)
        Entry.objects.bulk_create([Entry(transfer=posted, account_id=leg.account.pk, amount=leg.amount)
                                   for leg in legs])
        if before_balances is not None:
            before_balances(posted)
        for leg in sorted(legs, key=lambda leg: (leg.account.pk not in locked, leg.account.pk)):
            account = locked.get(leg.account.pk)
            if account is not None:
                account.balance += leg.amount
                Account.objects.filter(pk=account.pk).update(balance=account.balance)
                leg.account.balance = account.balance
            else:
                Account.objects.filter(pk=leg.account.pk).update(balance=F("balance") + leg.amount)
        return posted


def posts_in_one_statement() -> bool:
    """Whether `transfer(savepoints=False)` posts in one statement here (PostgreSQL), and so takes `row`."""
    return transaction.get_connection().vendor == "postgresql"


def _check_funds(legs: Sequence[Leg], locked: Mapping[int, Account]) -> None:
    for leg in legs:
        account = locked.get(leg.account.pk)
        if account is not None and account.balance + leg.amount < 0:
            raise InsufficientFunds(account, -(account.balance + leg.amount))


# One round trip for what the ORM path sends as 2 + one UPDATE per leg (issue 23): the transfer, its entries and
# the balances. The UPDATE's join order is the planner's, so the rows are first locked in id order by `held`
# (rows come out of its ordered scan locked, and the UPDATE can join a row only once `held` has produced it), as
# the ORM path updates them in id order: two transfers never wait on each other in a cycle. NO KEY UPDATE is the
# lock the UPDATE takes anyway (it does not block other transfers' foreign-key checks on these rows). The wallets
# among them are already locked by the caller. In READ COMMITTED the UPDATE adds to the newest committed balance
# of a row another transaction changed meanwhile, as `balance + amount` does on the ORM path.
_POST_SQL = " ".join("""
WITH posted AS (
    INSERT INTO ledger_transfer (key, kind, currency, memo, reverses_id, created_at)
    VALUES (%s, %s, %s, %s, %s, %s) RETURNING id, created_at
), legs AS (
    SELECT * FROM unnest(%s::bigint[], %s::bigint[]) AS leg(account_id, amount)
), entries AS (
    INSERT INTO ledger_entry (transfer_id, account_id, amount)
    SELECT posted.id, legs.account_id, legs.amount FROM posted, legs
), held AS (
    SELECT id FROM ledger_account WHERE id = ANY(%s::bigint[]) ORDER BY id FOR NO KEY UPDATE
), balances AS (
    UPDATE ledger_account SET balance = ledger_account.balance + legs.amount FROM legs, held
    WHERE ledger_account.id = legs.account_id AND held.id = legs.account_id
)
SELECT id, created_at FROM posted
""".split())  # one line in the logs
# With the caller's row (`transfer(row=...)`): its INSERT reads `posted` too, and the answer carries its id; an
# `after_row` INSERT (`{after}`: empty, or a CTE of its own) may read that id from `caller`.
_POST_WITH_ROW_SQL = _POST_SQL.replace(
    " SELECT id, created_at FROM posted",
    ", caller AS ({row}){after} SELECT id, created_at, (SELECT id FROM caller) FROM posted")
assert _POST_WITH_ROW_SQL != _POST_SQL


def _post_in_one_statement(*, key: str, kind: str, currency: str, memo: str, reverses: Transfer | None,
                           legs: Sequence[Leg], locked: Mapping[int, Account],
                           row: tuple[str, Sequence] | None = None,
                           after_row: tuple[str, Sequence] | None = None) -> Transfer:
    """The transfer, its entries and every balance in one statement (PostgreSQL, inside the caller's block),
    with the caller's `row` (and `after_row`) if given. A repeated key raises IntegrityError, as
    `Transfer.objects.create` does on the ORM path (and so does a unique index of the caller's row)."""
    posted = Transfer(key=key, kind=kind, currency=currency, memo=memo[:200], reverses=reverses,
                      created_at=timezone.now())
    ids = [leg.account.pk for leg in legs]
    params = [posted.key, posted.kind, posted.currency, posted.memo, posted.reverses_id, posted.created_at, ids,
              [leg.amount for leg in legs], ids]
    sql = _POST_SQL
    if row is not None:
        # `row`'s placeholders come after the transfer's, as its CTE follows theirs in the text.
        after, after_params = (f", after_row AS ({after_row[0]})", after_row[1]) if after_row else ("", [])
        sql = _POST_WITH_ROW_SQL.replace("{row}", row[0]).replace("{after}", after)
        params = [*params, *row[1], *after_params]
    with prepared.cursor(transaction.get_connection()) as cursor:
        cursor.execute(sql, params)
        posted.pk, posted.created_at, *row_id = cursor.fetchone()
    if row is not None:
        posted.row_id = row_id[0]
    posted._state.adding, posted._state.db = False, "default"
    for leg in legs:
        account = locked.get(leg.account.pk)
        if account is not None:
            account.balance += leg.amount
            leg.account.balance = account.balance
    return posted


def _insert_once(*, key: str, kind: str, currency: str, memo: str, reverses: Transfer | None) -> tuple[Transfer, bool]:
    """(the transfer, True) when this key is new; (the first transfer with it, False) for a repeat."""
    try:
        with transaction.atomic():
            return Transfer.objects.create(key=key, kind=kind, currency=currency, memo=memo[:200],
                                           reverses=reverses), True
    except IntegrityError:
        # The same key, posted before or by a concurrent request that touched other accounts; or a
        # second reversal of one transfer. Either way the first one stands.
        existing = Transfer.objects.filter(key=key).first()
        if existing is not None:
            return existing, False
        raise LedgerError("that transfer has already been reversed") from None


def reverse(*, original: Transfer, key: str, kind: str, memo: str = "") -> Transfer:
    """Post the mirror image of `original` (every leg negated), pointing back at it. Once only."""
    legs = [Leg(entry.account, -entry.amount) for entry in original.entries.select_related("account")]
    return transfer(key=key, kind=kind, legs=legs, reverses=original, memo=memo)

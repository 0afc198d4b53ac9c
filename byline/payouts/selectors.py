"""Reads: what a writer has earned, what is pending and when it becomes available, what can be paid out,
each sale, refund and pool share behind it, and the payouts.

Pending and available are not separate ledger accounts. The writer's earnings account holds both; which
part is which follows from the entries' dates and one rule (`hold_for`): every credit (a sale, a tip, a
pool share) stays pending for PAYOUT_HOLD_DAYS after it was credited, never less than the undo window,
unless it has been taken back. Available is the rest: balance - pending. A refund of money that was
already available lowers available; a refund of money already paid out can take it below zero, which is
the writer's debt, paid back from their next earnings before anything more is paid out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet, Sum
from django.utils import timezone

from byline.ledger.models import PAYOUT_KINDS, Account, AccountKind, Entry
from byline.payouts.models import CLOSED, UNSETTLED, Payout, PayoutMethod, PayoutStatus

HISTORY_LIMIT = 200


def hold_for(currency: str) -> dt.timedelta:
    """How long a credit in `currency` stays pending: the operator's refund and dispute period for the payment
    methods that currency is paid with (PAYOUT_HOLD_DAYS, or PAYOUT_HOLD_DAYS_<CURRENCY>), at least the undo
    window. Wallet money is fungible (one wallet mixes card and WeChat Pay top-ups), so the hold cannot follow
    the method behind each sale; it follows the currency, whose methods the operator chose."""
    days = settings.PAYOUT_HOLD_DAYS_BY_CURRENCY.get(currency, settings.PAYOUT_HOLD_DAYS)
    return max(dt.timedelta(days=days), dt.timedelta(seconds=settings.UNDO_WINDOW_SECONDS))


def minimum_payout(currency: str) -> int:
    return settings.PAYOUT_MINIMUMS.get(currency, settings.PAYOUT_MINIMUMS.get("default", 1000))


def earning_entries(account: Account) -> QuerySet[Entry]:
    """Entries that earned or took back earnings (not payouts)."""
    return Entry.objects.filter(account=account).exclude(transfer__kind__in=PAYOUT_KINDS)


def _still_held(account: Account, now: dt.datetime) -> QuerySet[Entry]:
    """Credits inside the hold that nothing has taken back: pending. A credit that was undone or refunded
    is not pending; it and its reversal cancel out in the balance."""
    since = now - hold_for(account.currency)
    not_taken_back = Q(transfer__reversed_by__isnull=True) | Q(transfer__reversed_by__created_at__gt=now)
    return earning_entries(account).filter(not_taken_back, amount__gt=0, transfer__created_at__gt=since,
                                           transfer__created_at__lte=now, transfer__reverses__isnull=True)


@dataclass(frozen=True)
class Balance:
    currency: str
    pending: int = 0
    available: int = 0          # below zero: a debt from refunds after payout
    earned: int = 0
    taken_back: int = 0
    paid_out: int = 0           # settled payouts
    on_the_way: int = 0         # requested, being sent or in flight
    next_release: dt.datetime | None = None
    minimum: int = 0

    @property
    def payable(self) -> int:
        return max(0, self.available)

    @property
    def debt(self) -> int:
        return max(0, -self.available)

    @property
    def can_request(self) -> bool:
        return self.available >= self.minimum


def pending_of(account: Account, *, now: dt.datetime | None = None) -> tuple[int, dt.datetime | None]:
    """(pending amount, when the earliest of it becomes available) of an earnings account."""
    found = _still_held(account, now or timezone.now()).aggregate(total=Sum("amount"),
                                                                   first=Min("transfer__created_at"))
    first = found["first"] + hold_for(account.currency) if found["first"] else None
    return found["total"] or 0, first


def balance_of(*, writer, currency: str, now: dt.datetime | None = None, account: Account | None = None) -> Balance:
    """The writer's balance in `currency`. With `account` (a row the caller has locked), its balance is used."""
    now = now or timezone.now()
    if account is None:
        account = Account.objects.filter(kind=AccountKind.EARNINGS, owner=writer, currency=currency).first()
    if account is None:
        return Balance(currency=currency, minimum=minimum_payout(currency))
    pending, next_release = pending_of(account, now=now)
    sums = earning_entries(account).aggregate(earned=Sum("amount", filter=Q(amount__gt=0), default=0),
                                              taken_back=Sum("amount", filter=Q(amount__lt=0), default=0))
    payouts = Payout.objects.filter(writer=writer, currency=currency).aggregate(
        paid=Sum("amount_minor", filter=Q(status=PayoutStatus.PAID), default=0),
        moving=Sum("amount_minor", filter=Q(status__in=UNSETTLED), default=0))
    return Balance(currency=currency, pending=pending, available=account.balance - pending, earned=sums["earned"],
                   taken_back=-sums["taken_back"], paid_out=payouts["paid"], on_the_way=payouts["moving"],
                   next_release=next_release, minimum=minimum_payout(currency))


def balances_of(*, writer, now: dt.datetime | None = None) -> list[Balance]:
    accounts = Account.objects.filter(kind=AccountKind.EARNINGS, owner=writer).order_by("currency")
    return [balance_of(writer=writer, currency=account.currency, now=now, account=account) for account in accounts]


@dataclass(frozen=True)
class Line:
    """One thing that changed a writer's earnings, as the earnings page and the statements list it."""

    at: dt.datetime
    kind: str                  # sale, tip, refund, pool, payout, payout_back, other
    label: str
    memo: str
    net: int
    gross: int | None = None   # what the reader paid, where one reader paid for this alone
    fee: int | None = None
    transfer_id: int = 0
    available_at: dt.datetime | None = None  # a credit still pending: when it becomes available
    taken_back: bool = False


KIND_OF = {"purchase": "sale", "pool_payout": "pool", "payout": "payout", "payout_back": "payout_back", "tip": "tip"}


def lines_of(account: Account, *, since: dt.datetime | None = None, until: dt.datetime | None = None,
             now: dt.datetime | None = None, limit: int | None = HISTORY_LIMIT,
             newest_first: bool = True) -> list[Line]:
    """The entries of an earnings account between `since` and `until`, with the platform's fee where one
    reader's payment paid for that credit alone (a sale, not a pool share), and when pending ones release."""
    now = now or timezone.now()
    entries = Entry.objects.filter(account=account).select_related("transfer", "transfer__reversed_by")
    if since is not None:
        entries = entries.filter(transfer__created_at__gte=since)
    if until is not None:
        entries = entries.filter(transfer__created_at__lt=until)
    order = ("-transfer__created_at", "-transfer_id") if newest_first else ("transfer__created_at", "transfer_id")
    entries = list(entries.order_by(*order)[:limit] if limit else entries.order_by(*order))
    ids = [entry.transfer_id for entry in entries]
    legs = (Entry.objects.filter(transfer_id__in=ids)
            .values("transfer_id").annotate(earnings=Count("pk", filter=Q(account__kind=AccountKind.EARNINGS)),
                                            wallets=Count("pk", filter=Q(account__kind=AccountKind.WALLET)),
                                            fee=Sum("amount", filter=Q(account__kind=AccountKind.FEES))))
    fees = {row["transfer_id"]: row["fee"] or 0 for row in legs if row["earnings"] == 1 and row["wallets"] == 1}
    hold = hold_for(account.currency)
    lines = []
    for entry in entries:
        transfer = entry.transfer
        kind = KIND_OF.get(transfer.kind, "other")
        if transfer.reverses_id and kind not in ("payout", "payout_back"):
            kind = "refund"
        fee = fees.get(transfer.pk)
        reversed_ = hasattr(transfer, "reversed_by") and transfer.reversed_by is not None
        release = transfer.created_at + hold
        pending = (entry.amount > 0 and kind not in ("payout", "payout_back", "refund") and not reversed_
                   and release > now)
        lines.append(Line(at=transfer.created_at, kind=kind, label=str(transfer.get_kind_display()), memo=transfer.memo,
                          net=entry.amount, fee=fee, gross=entry.amount + fee if fee is not None else None,
                          transfer_id=transfer.pk, available_at=release if pending else None, taken_back=reversed_))
    return lines


def earnings_account(*, writer, currency: str) -> Account | None:
    return Account.objects.filter(kind=AccountKind.EARNINGS, owner=writer, currency=currency).first()


def balance_at(account: Account, moment: dt.datetime) -> int:
    """The account's balance at `moment`: the sum of its entries before it."""
    return Entry.objects.filter(account=account, transfer__created_at__lt=moment).aggregate(
        total=Sum("amount", default=0))["total"]


# Statements ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Statement:
    writer: object
    currency: str
    start: dt.datetime
    end: dt.datetime
    opening: int
    lines: list[Line]
    totals: dict[str, int]
    fees: int
    closing: int
    pending_at_close: int
    ledger_closing: int  # the ledger's own balance at the close, computed apart from the lines
    payouts: list[Payout] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return self.closing == self.ledger_closing

    @property
    def available_at_close(self) -> int:
        return self.closing - self.pending_at_close


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """The month in the site's time zone (TIME_ZONE), as aware datetimes [start, end)."""
    zone = timezone.get_default_timezone()
    start = dt.datetime(year, month, 1, tzinfo=zone)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return start, end


def statement(*, writer, currency: str, year: int, month: int) -> Statement:
    """The writer's statement for one month: opening balance, every line, totals by kind, fees, closing balance,
    and the ledger's balance at the close worked out apart from the lines (they always agree)."""
    start, end = month_bounds(year, month)
    account = earnings_account(writer=writer, currency=currency)
    if account is None:
        return Statement(writer=writer, currency=currency, start=start, end=end, opening=0, lines=[], totals={},
                         fees=0, closing=0, pending_at_close=0, ledger_closing=0)
    opening = balance_at(account, start)
    lines = lines_of(account, since=start, until=end, now=end, limit=None, newest_first=False)
    totals: dict[str, int] = {}
    for line in lines:
        totals[line.kind] = totals.get(line.kind, 0) + line.net
    closing = opening + sum(line.net for line in lines)
    later = Entry.objects.filter(account=account, transfer__created_at__gte=end).aggregate(
        total=Sum("amount", default=0))["total"]
    # A month not yet over is stated as it stands now.
    pending, _ = pending_of(account, now=min(end - dt.timedelta(microseconds=1), timezone.now()))
    payouts = list(Payout.objects.filter(writer=writer, currency=currency, created_at__gte=start, created_at__lt=end)
                   .order_by("created_at"))
    return Statement(writer=writer, currency=currency, start=start, end=end, opening=opening, lines=lines,
                     totals=totals, fees=sum(line.fee or 0 for line in lines), closing=closing,
                     pending_at_close=pending, ledger_closing=Account.objects.get(pk=account.pk).balance - later,
                     payouts=payouts)


def statement_months(*, writer, currency: str, now: dt.datetime | None = None) -> list[tuple[int, int]]:
    """(year, month) from the writer's first entry in `currency` to this month, newest first, at most 36."""
    account = earnings_account(writer=writer, currency=currency)
    if account is None:
        return []
    first = Entry.objects.filter(account=account).aggregate(first=Min("transfer__created_at"))["first"]
    if first is None:
        return []
    zone = timezone.get_default_timezone()
    first, last = first.astimezone(zone), (now or timezone.now()).astimezone(zone)
    months, year, month = [], last.year, last.month
    while (year, month) >= (first.year, first.month) and len(months) < 36:
        months.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


# Methods and payouts ------------------------------------------------------------------------------------------

def live_methods(*, writer) -> list[PayoutMethod]:
    return list(PayoutMethod.objects.filter(writer=writer).exclude(status="removed").order_by("currency"))


def method_for(*, writer, currency: str) -> PayoutMethod | None:
    return PayoutMethod.objects.filter(writer=writer, currency=currency).exclude(status="removed").first()


def payouts_of(*, writer, limit: int = HISTORY_LIMIT) -> list[Payout]:
    return list(Payout.objects.filter(writer=writer).select_related("method")[:limit])


def operator_queues(*, limit: int = 200) -> dict[str, list[Payout]]:
    """What staff look at: payouts waiting for approval, bank transfers to send, in flight, failed or returned."""
    base = Payout.objects.select_related("writer", "method")
    return {
        "approval": list(base.filter(status=PayoutStatus.REQUESTED).order_by("created_at")[:limit]),
        "bank": list(base.filter(status=PayoutStatus.IN_FLIGHT, provider="bank").order_by("created_at")[:limit]),
        "in_flight": list(base.filter(status__in=(PayoutStatus.SENDING, PayoutStatus.IN_FLIGHT))
                          .exclude(provider="bank").order_by("created_at")[:limit]),
        "failed": list(base.filter(status__in=CLOSED).exclude(status=PayoutStatus.CANCELLED)
                       .order_by("-closed_at")[:limit]),
    }


def due_writers(*, limit: int = 200) -> list[tuple[object, Balance]]:
    """Writers on the monthly schedule whose available balance has reached the minimum: the next run pays them."""
    found = []
    for method in (PayoutMethod.objects.filter(status="ready", schedule="monthly").select_related("writer")
                   .order_by("writer_id")[:limit]):
        balance = balance_of(writer=method.writer, currency=method.currency)
        if balance.can_request:
            found.append((method.writer, balance))
    return found

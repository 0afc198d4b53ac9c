"""Memberships: join from the wallet, renew (wallet by a scheduled task, card by provider events),
cancel at period end, and share the membership pool among authors by what members read.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from byline.ledger import services as ledger
from byline.ledger.models import AccountKind, TransferKind
from byline.pricing.conversion import sold_currencies
from byline.pricing.selectors import currency_of, plan_price
from byline.purchases.errors import KeyReused, NotEnoughInWallet, PurchaseRefused
from byline.purchases.models import (
    Interval,
    MemberRead,
    Membership,
    MembershipCharge,
    MembershipPlan,
    MembershipStatus,
    PoolClose,
    RenewVia,
)
from byline.purchases.services import check_quote, scoped_key, split_price


def add_interval(start: dt.datetime, interval: str) -> dt.datetime:
    """One month (clamped to the month's last day) or one year after `start`."""
    if interval == Interval.YEAR:
        months = 12
    else:
        months = 1
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


def _charge(*, membership: Membership, key: str, start: dt.datetime) -> Membership:
    """Move one period's price (the membership's own terms) from the wallet to the pool of its currency and
    extend the membership. Caller holds a transaction."""
    plan, price, currency = membership.plan, membership.price_minor, membership.currency
    wallet = ledger.account_for(kind=AccountKind.WALLET, owner=membership.reader, currency=currency)
    pool = ledger.account_for(kind=AccountKind.POOL, currency=currency)
    locked = ledger.lock_accounts([wallet])
    if MembershipCharge.objects.filter(transfer__key=key).exists():
        return membership  # this key was applied before (a redelivered renewal): the wallet may be spent by now
    if locked[wallet.pk].balance < price:
        raise NotEnoughInWallet(missing_minor=price - locked[wallet.pk].balance)
    end = add_interval(start, plan.interval)
    posted = ledger.transfer(key=key, kind=TransferKind.MEMBERSHIP,
                             legs=[ledger.Leg(wallet, -price), ledger.Leg(pool, price)],
                             memo=f"membership {plan.name} until {end.date()}")
    if MembershipCharge.objects.filter(transfer=posted).exists():
        return membership  # this key was applied before
    MembershipCharge.objects.create(membership=membership, transfer=posted, period_start=start, period_end=end)
    membership.period_end = end
    membership.save(update_fields=["period_end"])
    return membership


def active_membership(*, reader, now: dt.datetime | None = None) -> Membership | None:
    now = now or timezone.now()
    return (Membership.objects.filter(reader=reader, status=MembershipStatus.ACTIVE, period_end__gt=now)
            .select_related("plan").first())


def plan_quote(*, plan: MembershipPlan, currency: str) -> int:
    """The plan's price per period in `currency` now: its own price there, else converted (byline/pricing)."""
    if currency not in sold_currencies():
        raise PurchaseRefused(_("Prices are not offered in %(currency)s.") % {"currency": currency})
    return plan_price(plan, currency)


def join_with_wallet(*, reader, plan: MembershipPlan, idempotency_key: str, currency: str | None = None,
                     quoted_minor: int | None = None, renew_via: str = RenewVia.WALLET,
                     subscription_ref: str = "", renew_provider: str = "",
                     now: dt.datetime | None = None) -> Membership:
    """Start a membership paid from the wallet for its first period, in `currency` (default: the reader's
    own) at the plan's price there, which must still be `quoted_minor` when given (else PriceChanged).
    Once per key (KeyReused for a key used before for another plan); never two at once. Renewals charge
    the same terms."""
    now = now or timezone.now()
    key = "membership:" + scoped_key(reader, idempotency_key)
    if not plan.active:
        raise PurchaseRefused(_("This plan is no longer offered."))
    currency = currency or currency_of(reader)
    price = plan_quote(plan=plan, currency=currency)
    with transaction.atomic():
        ledger.lock_accounts([ledger.account_for(kind=AccountKind.WALLET, owner=reader, currency=currency)])
        charge = MembershipCharge.objects.filter(transfer__key=key).select_related("membership").first()
        if charge is not None:
            if charge.membership.plan_id != plan.pk:
                raise KeyReused()
            return charge.membership
        current = Membership.objects.filter(reader=reader, status=MembershipStatus.ACTIVE).first()
        if current is not None and current.period_end > now:
            raise PurchaseRefused(_("You are already a member."))
        check_quote(price_minor=price, currency=currency, quoted_minor=quoted_minor)
        if current is not None:
            current.status = MembershipStatus.ENDED
            current.save(update_fields=["status"])
        try:
            with transaction.atomic():
                membership = Membership.objects.create(reader=reader, plan=plan, currency=currency, price_minor=price,
                                                       period_start=now, period_end=now, renew_via=renew_via,
                                                       subscription_ref=subscription_ref,
                                                       renew_provider=renew_provider)
        except IntegrityError:
            raise PurchaseRefused(_("You are already a member.")) from None
        return _charge(membership=membership, key=key, start=now)


def add_months(start: dt.datetime, months: int) -> dt.datetime:
    for _month in range(months):
        start = add_interval(start, Interval.MONTH)
    return start


def grant_gifted_months(*, reader, plan: MembershipPlan, months: int, currency: str, price_per_month: int,
                        transfer, now: dt.datetime | None = None) -> Membership:
    """Give `reader` `months` of membership that someone else paid for (byline/gifts; `transfer` is the
    claim that moved the money into the pool). A member's period is lengthened by the months (after the
    period they hold); anyone else gets a membership that never renews. Caller holds a transaction."""
    now = now or timezone.now()
    current = (Membership.objects.select_for_update().filter(reader=reader, status=MembershipStatus.ACTIVE)
               .first())
    if current is not None and current.period_end <= now:
        end_membership(membership=current)  # lapsed, not yet ended by the renewal task
        current = None
    if current is None:
        try:
            with transaction.atomic():
                current = Membership.objects.create(
                    reader=reader, plan=plan, currency=currency, price_minor=price_per_month, period_start=now,
                    period_end=now, renew_via=RenewVia.WALLET, cancel_at_period_end=True)
        except IntegrityError:  # a join or another claim of this reader committed a moment ago
            current = Membership.objects.select_for_update().get(reader=reader, status=MembershipStatus.ACTIVE)
    start = max(current.period_end, now)
    end = add_months(start, months)
    MembershipCharge.objects.create(membership=current, transfer=transfer, period_start=start, period_end=end)
    current.period_end = end
    current.save(update_fields=["period_end"])
    return current


def cancel_at_period_end(*, reader) -> Membership | None:
    """Stop renewing; the membership keeps working until its period ends. A card subscription must be
    cancelled at its provider first: `payments.subscriptions.cancel_membership` does both."""
    membership = active_membership(reader=reader)
    if membership is not None and not membership.cancel_at_period_end:
        membership.cancel_at_period_end = True
        membership.save(update_fields=["cancel_at_period_end"])
    return membership


def renew_due_wallet_memberships(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The scheduled task: renew from the wallet every membership whose period has ended, or end it."""
    now = now or timezone.now()
    counts = Counter()
    due = Membership.objects.filter(status=MembershipStatus.ACTIVE, renew_via=RenewVia.WALLET, period_end__lte=now)
    for membership_id in due.values_list("pk", flat=True)[:10_000]:
        with transaction.atomic():
            membership = Membership.objects.select_for_update().select_related("plan", "reader").get(pk=membership_id)
            if membership.status != MembershipStatus.ACTIVE or membership.period_end > now:
                continue
            if membership.cancel_at_period_end or not membership.plan.active:
                end_membership(membership=membership)
                counts["ended"] += 1
                continue
            try:
                with transaction.atomic():
                    _charge(membership=membership, key=f"renewal:{membership.pk}:{membership.period_end.isoformat()}",
                            start=membership.period_end)
                counts["renewed"] += 1
            except NotEnoughInWallet:
                end_membership(membership=membership)
                counts["lapsed"] += 1
    return dict(counts)


def renew_from_card(*, subscription_ref: str, invoice_ref: str) -> Membership | None:
    """A provider says a card subscription was paid for another period: the money is already in the wallet."""
    with transaction.atomic():
        membership = (Membership.objects.select_for_update().select_related("plan", "reader")
                      .filter(subscription_ref=subscription_ref).order_by("-period_end").first())
        if membership is None:
            return None
        start = max(membership.period_end, timezone.now()) if membership.status == MembershipStatus.ACTIVE \
            else timezone.now()
        if membership.status != MembershipStatus.ACTIVE:
            membership.status = MembershipStatus.ACTIVE
            membership.period_start = start
            membership.save(update_fields=["status", "period_start"])
        return _charge(membership=membership, key=f"renewal:{subscription_ref}:{invoice_ref}", start=start)


CARD_RENEWAL_GRACE = dt.timedelta(days=3)


def end_lapsed_card_memberships(*, now: dt.datetime | None = None) -> int:
    """End card memberships whose provider never sent the renewal (a card that failed for good, an event
    lost): their period ended more than CARD_RENEWAL_GRACE ago. Access already stopped at period end
    (access.entitlements asks for period_end > now); this makes the status and the reader's pages say so."""
    now = now or timezone.now()
    cutoff = now - CARD_RENEWAL_GRACE
    lapsed = Membership.objects.filter(status=MembershipStatus.ACTIVE, renew_via=RenewVia.CARD, period_end__lte=cutoff)
    ended = 0
    for membership_id in lapsed.values_list("pk", flat=True)[:10_000]:
        with transaction.atomic():  # a renewal arriving now holds the same row lock (renew_from_card)
            membership = Membership.objects.select_for_update().get(pk=membership_id)
            if membership.status == MembershipStatus.ACTIVE and membership.period_end <= cutoff:
                end_membership(membership=membership)
                ended += 1
    return ended


def end_membership(*, membership: Membership) -> None:
    membership.status = MembershipStatus.ENDED
    membership.save(update_fields=["status"])


def end_card_subscription(*, subscription_ref: str) -> None:
    """The provider ended a card subscription: stop renewing; the paid period still counts."""
    Membership.objects.filter(subscription_ref=subscription_ref, status=MembershipStatus.ACTIVE).update(
        cancel_at_period_end=True, renew_via=RenewVia.WALLET)


def record_member_read(*, reader, article) -> None:
    """Count that a member opened this article's full text (once a day), for sharing the pool.

    One statement, so the article page stays within its query budget; the read counts toward the
    pool of the membership's currency (the one its fee was paid in). Written by hand: the row is made
    from the membership the same statement finds (INSERT ... SELECT), which `bulk_create` cannot do
    without a query first.
    """
    read, membership = MemberRead._meta, Membership._meta
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {read.db_table} (membership_id, article_id, currency, day, settled_by_id) "
            f"SELECT m.id, %s, m.currency, %s, NULL FROM {membership.db_table} m "
            "WHERE m.reader_id = %s AND m.status = %s "
            "ON CONFLICT DO NOTHING",
            [article.pk, timezone.localdate(), reader.pk, MembershipStatus.ACTIVE],
        )


def close_pool_period(*, currency: str, now: dt.datetime | None = None) -> PoolClose | None:
    """Share the whole pool of `currency` among authors by unsettled member reads: one ledger transfer.

    Each author gets the configured share of the pool in proportion to reads of their articles (rounded
    down; the rounding remainder and the platform's share go to platform fees). With no reads the pool
    waits for the next close.
    """
    now = now or timezone.now()
    with transaction.atomic():
        pool = ledger.account_for(kind=AccountKind.POOL, currency=currency)
        fees = ledger.account_for(kind=AccountKind.FEES, currency=currency)
        reads = list(MemberRead.objects.select_for_update().filter(currency=currency, settled_by__isnull=True)
                     .values_list("pk", "article__author__user_id"))
        amount = ledger.lock_accounts([pool])[pool.pk].balance
        if not reads or amount <= 0:
            return None
        per_author = Counter(user_id for _, user_id in reads)
        authors_total, _fee = split_price(amount)
        legs, paid = [ledger.Leg(pool, -amount)], 0
        for user_id, count in sorted(per_author.items()):
            share = authors_total * count // len(reads)
            if share > 0:
                legs.append(ledger.Leg(ledger.account_for(kind=AccountKind.EARNINGS, owner=user_id,
                                                          currency=currency), share))
                paid += share
        if amount - paid > 0:
            legs.append(ledger.Leg(fees, amount - paid))
        close = PoolClose.objects.create(currency=currency, closed_at=now, amount_minor=amount, reads=len(reads))
        close.transfer = ledger.transfer(key=f"pool:{currency}:{close.pk}", kind=TransferKind.POOL_PAYOUT, legs=legs,
                                         memo=f"membership pool {currency}, {len(reads)} reads")
        close.save(update_fields=["transfer"])
        MemberRead.objects.filter(pk__in=[pk for pk, _ in reads]).update(settled_by=close)
        return close


def plans_offered(currency: str | None = None) -> list[MembershipPlan]:
    """The plans a reader of `currency` is offered, cheapest first per billing period.

    A plan priced in `currency` (its main price or an own price there) is offered as it is; for a billing
    period with no plan priced in `currency`, one plan is offered at its converted price (the one in the
    table's first currency), so a site that keeps one plan per currency (as the demo once did) lists each
    period once.
    """
    plans = list(MembershipPlan.objects.filter(active=True).order_by("interval", "price_minor", "pk"))
    if not currency:
        return plans
    native = {plan.interval for plan in plans if plan.currency == currency or (plan.prices or {}).get(currency)}
    offered = [plan for plan in plans if plan.interval not in native
               or plan.currency == currency or (plan.prices or {}).get(currency)]
    # Several plans to convert for one period (one per currency, say): the one priced in the currency that
    # comes first in the conversion table, the cheapest of those.
    order = {code: index for index, code in enumerate(sold_currencies())}
    best: dict[str, MembershipPlan] = {}
    for plan in offered:
        if plan.interval in native:
            continue
        rank = (order.get(plan.currency, len(order)), plan_price(plan, currency))
        if plan.interval not in best or rank < (order.get(best[plan.interval].currency, len(order)),
                                                plan_price(best[plan.interval], currency)):
            best[plan.interval] = plan
    offered = [plan for plan in offered if plan.interval in native or best.get(plan.interval) is plan]
    return sorted(offered, key=lambda plan: (INTERVAL_ORDER.get(plan.interval, 9), plan_price(plan, currency)))


INTERVAL_ORDER = {Interval.MONTH: 0, Interval.YEAR: 1}


def yearly_saving(*, monthly: MembershipPlan, yearly: MembershipPlan, currency: str) -> int:
    """What a year of `yearly` saves against twelve months of `monthly`, in `currency` (0 if nothing)."""
    return max(0, 12 * plan_price(monthly, currency) - plan_price(yearly, currency))



@dataclass(frozen=True)
class PlanOffer:
    """A plan as a reader of `currency` is offered it: its price there, and what a year of it saves."""

    plan: MembershipPlan
    price_minor: int
    currency: str
    yearly_saving_minor: int = 0

    @property
    def is_yearly(self) -> bool:
        return self.plan.interval == Interval.YEAR


def plan_offers(*, currency: str) -> list[PlanOffer]:
    """`plans_offered(currency)`, priced in `currency`, each yearly plan with its saving over the cheapest
    monthly plan (none when there is no monthly plan or it saves nothing)."""
    plans = plans_offered(currency)
    monthly = [plan for plan in plans if plan.interval == Interval.MONTH]
    cheapest_month = min(monthly, key=lambda plan: plan_price(plan, currency)) if monthly else None
    return [PlanOffer(plan=plan, price_minor=plan_price(plan, currency), currency=currency,
                      yearly_saving_minor=yearly_saving(monthly=cheapest_month, yearly=plan, currency=currency)
                      if cheapest_month is not None and plan.interval == Interval.YEAR else 0)
            for plan in plans]

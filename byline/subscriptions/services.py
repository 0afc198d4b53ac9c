"""Writes: a writer's prices and offers; subscribing to a writer from the wallet (with an offer, a trial, or
this month's purchases credited), renewing, cancelling and the retention offer; memberships with an offer.

Every charge is one ledger transfer from the reader's wallet (locked first: it serialises everything the
reader buys in that currency, the fair-price cap's count included) to the writer's earnings less the fee,
once per idempotency key.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from byline.articles.models import Author
from byline.ledger import services as ledger
from byline.ledger.models import AccountKind, TransferKind
from byline.pricing.conversion import sold_currencies
from byline.purchases import memberships
from byline.purchases.errors import KeyReused, NotEnoughInWallet, PurchaseRefused
from byline.purchases.models import (
    Interval,
    Membership,
    MembershipCharge,
    MembershipPlan,
    MembershipStatus,
    RenewVia,
)
from byline.purchases.services import check_quote, scoped_key, split_price
from byline.subscriptions import fair_price, selectors
from byline.subscriptions.errors import OfferRefused, SubscriptionRefused
from byline.subscriptions.models import (
    AuthorPrice,
    AuthorSubscription,
    CreditedPurchase,
    Offer,
    OfferKind,
    OfferTarget,
    Redemption,
    SubscriptionCharge,
    SubscriptionStatus,
)

MAX_PRICE_MINOR = 10_000_000


# --- The writer's side -------------------------------------------------------------------------------

def set_price(*, author: Author, interval: str, currency: str, price_minor: int | None) -> AuthorPrice | None:
    """Offer (or, with no price, stop offering) a subscription for `interval` in `currency`. Subscribers keep
    the terms they joined on; a stopped price ends their subscriptions at the close of their period."""
    if interval not in Interval.values or currency not in sold_currencies():
        raise SubscriptionRefused(_("Subscriptions are not offered for this period or currency."))
    if price_minor is None:
        AuthorPrice.objects.filter(author=author, interval=interval, currency=currency).update(active=False)
        _prices_changed(author)
        return None
    if type(price_minor) is not int or not 0 < price_minor <= MAX_PRICE_MINOR:
        raise SubscriptionRefused(_("Choose a price above zero."))
    row, _created = AuthorPrice.objects.update_or_create(
        author=author, interval=interval, currency=currency, defaults={"price_minor": price_minor, "active": True})
    _prices_changed(author)
    return row


def _prices_changed(author: Author) -> None:
    """The article pages' subscription note follows: this process's remembered prices, and every article's
    stamp (`selectors.STAMP_ANNOTATIONS`) and cached pages, as tips settings do."""
    from byline.articles import page_cache
    from byline.articles.models import Article

    transaction.on_commit(lambda: selectors.forget_offered_prices(author.pk))
    for slug in Article.objects.filter(author=author).values_list("slug", flat=True)[:10_000]:
        page_cache.parts_changed(slug)


def create_offer(*, target: str, kind: str, author: Author | None = None, collection=None,
                 percent_off: int | None = None,
                 amount_off_minor: int | None = None, currency: str = "", trial_days: int | None = None,
                 code: str | None = None, starts_at: dt.datetime | None = None, ends_at: dt.datetime | None = None,
                 max_redemptions: int | None = None, retention: bool = False) -> Offer:
    """A new offer; raises OfferRefused (with a message for the writer) for terms that do not hold together."""
    if target == OfferTarget.AUTHOR and author is None:
        raise OfferRefused(_("An offer on a subscription needs its writer."))
    if target == OfferTarget.COLLECTION:
        if collection is None:
            raise OfferRefused(_("An offer on a collection needs its collection."))
        if kind == OfferKind.TRIAL or retention:
            raise OfferRefused(_("A collection is bought once: its offer takes a percentage or an amount off."))
        author = collection.author
    if kind == OfferKind.PERCENT and not (percent_off and 1 <= percent_off <= 100):
        raise OfferRefused(_("Choose a percentage from 1 to 100."))
    if kind == OfferKind.FIXED and not (amount_off_minor and amount_off_minor > 0 and currency in sold_currencies()):
        raise OfferRefused(_("Choose an amount off and its currency."))
    if kind == OfferKind.TRIAL and not (trial_days and 1 <= trial_days <= 365):
        raise OfferRefused(_("Choose a trial of 1 to 365 days."))
    starts_at = starts_at or timezone.now()
    if ends_at is not None and ends_at <= starts_at:
        raise OfferRefused(_("The offer must end after it starts."))
    code = (code or "").strip() or None
    if code is not None and Offer.objects.filter(code__iexact=code).exists():
        raise OfferRefused(_("That code is taken; choose another."))
    try:
        with transaction.atomic():
            return Offer.objects.create(
                target=target, author=author if target in (OfferTarget.AUTHOR, OfferTarget.COLLECTION) else None,
                collection=collection if target == OfferTarget.COLLECTION else None, kind=kind,
                percent_off=percent_off if kind == OfferKind.PERCENT else None,
                amount_off_minor=amount_off_minor if kind == OfferKind.FIXED else None,
                currency=currency if kind == OfferKind.FIXED else "",
                trial_days=trial_days if kind == OfferKind.TRIAL else None, code=code, starts_at=starts_at,
                ends_at=ends_at, max_redemptions=max_redemptions, retention=retention)
    except IntegrityError:
        raise OfferRefused(_("That code is taken; choose another.")) from None


def end_offer(*, offer: Offer) -> None:
    Offer.objects.filter(pk=offer.pk).update(active=False)


# --- Offers, once per reader -----------------------------------------------------------------------------

def discount_of(*, offer: Offer | None, price_minor: int, currency: str) -> int:
    """What `offer` takes off one first period of `price_minor` in `currency` (never more than the price)."""
    if offer is None:
        return 0
    if offer.kind == OfferKind.PERCENT:
        return min(price_minor, price_minor * offer.percent_off // 100)
    if offer.kind == OfferKind.FIXED and offer.currency == currency:
        return min(price_minor, offer.amount_off_minor)
    return 0


def check_offer_currency(*, offer: Offer | None, currency: str) -> None:
    """A fixed amount off is in one currency: with prices in another it would take nothing off and still be used
    up, so it is refused (OfferRefused) before anything is charged or used."""
    if offer is not None and offer.kind == OfferKind.FIXED and offer.currency != currency:
        raise OfferRefused(_("This offer takes an amount off in %(currency)s, so it cannot be used with prices in "
                             "another currency.") % {"currency": offer.currency})


def redeem(*, offer: Offer, reader, now: dt.datetime, **towards) -> Redemption:
    """Take one use of `offer` for `reader`, under the offer's row lock (so its limit holds under
    concurrency); OfferRefused if it is not theirs to take. Caller holds a transaction; the subscription
    and membership writes here, and collections.services.buy_with_wallet, call it."""
    locked = Offer.objects.select_for_update().get(pk=offer.pk)
    if not selectors.redeemable(offer=locked, reader=reader, now=now):
        raise OfferRefused()
    try:
        with transaction.atomic():
            redemption = Redemption.objects.create(offer=locked, reader=reader, created_at=now, **towards)
    except IntegrityError:
        raise OfferRefused() from None
    Offer.objects.filter(pk=offer.pk).update(redeemed=F("redeemed") + 1)
    return redemption


def release(*, redemption: Redemption, now: dt.datetime) -> None:
    """Give one use back to the offer's limit, for other readers (the reader's own once stays taken): what
    `redemption` lowered was undone. Once; under the offer's row lock, as `redeem` takes it, so the count stays
    exact among concurrent takers and undos. Caller holds a transaction, and calls this before moving money:
    a buy locks the offer before the writer's ledger accounts, so an undo must too."""
    Offer.objects.select_for_update().filter(pk=redemption.offer_id).first()
    released = Redemption.objects.filter(pk=redemption.pk, released_at__isnull=True).update(released_at=now)
    if released:
        Offer.objects.filter(pk=redemption.offer_id, redeemed__gt=0).update(redeemed=F("redeemed") - 1)


# --- Subscribing to a writer -----------------------------------------------------------------------------

def _accounts(*, reader, author: Author, currency: str):
    return ledger.accounts_for([(AccountKind.WALLET, currency, reader),
                                (AccountKind.EARNINGS, currency, author.user_id),
                                (AccountKind.FEES, currency, None)])


def _post_charge(*, subscription: AuthorSubscription, key: str, amount: int, start: dt.datetime,
                 locked, credited: int = 0, redemption: Redemption | None = None,
                 end: dt.datetime | None = None) -> SubscriptionCharge:
    """One period: `amount` from the wallet (already locked) to the writer less the fee (nothing moves when
    `amount` is 0: a trial or a month already paid by purchases), and the subscription extended."""
    end = end or memberships.add_interval(start, subscription.interval)
    posted = None
    if amount > 0:
        wallet, earnings, fees = _accounts(reader=subscription.reader, author=subscription.author,
                                           currency=subscription.currency)
        if locked[wallet.pk].balance < amount:
            raise NotEnoughInWallet(missing_minor=amount - locked[wallet.pk].balance)
        share, fee = split_price(amount)
        legs = [ledger.Leg(wallet, -amount), ledger.Leg(earnings, share)]
        if fee:
            legs.append(ledger.Leg(fees, fee))
        posted = ledger.transfer(key=key, kind=TransferKind.AUTHOR_SUBSCRIPTION, legs=legs, locked=locked,
                                 memo=f"subscription {subscription.pk} to {subscription.author_id} until {end.date()}")
    charge = SubscriptionCharge.objects.create(subscription=subscription, transfer=posted, key=key, amount_minor=amount,
                                               credited_minor=credited, redemption=redemption, period_start=start,
                                               period_end=end)
    subscription.period_end = end
    subscription.save(update_fields=["period_end"])
    return charge


def first_period_terms(*, reader, author: Author, interval: str, currency: str, offer: Offer | None,
                       now: dt.datetime | None = None) -> dict:
    """What the first period would cost now: {price, discount, credit, due, trial_days}. `credit` is what the
    reader paid this month for the writer's single articles (the fair-price cap), taken off what is left."""
    now = now or timezone.now()
    row = selectors.price_for(author_id=author.pk, interval=interval, currency=currency)
    if row is None:
        raise SubscriptionRefused(_("This writer does not offer that subscription in your currency."))
    if offer is not None and offer.kind == OfferKind.TRIAL:
        return {"price": row.price_minor, "discount": 0, "credit": 0, "due": 0, "trial_days": offer.trial_days}
    check_offer_currency(offer=offer, currency=currency)
    discount = discount_of(offer=offer, price_minor=row.price_minor, currency=currency)
    paid = sum(p.price_minor for p in fair_price.purchases_this_month(reader=reader, author_id=author.pk,
                                                                      currency=currency, now=now))
    credit = min(paid, row.price_minor - discount)
    return {"price": row.price_minor, "discount": discount, "credit": credit,
            "due": row.price_minor - discount - credit, "trial_days": 0}


def subscribe_with_wallet(*, reader, author: Author, interval: str, idempotency_key: str,
                          currency: str | None = None, quoted_minor: int | None = None, offer: Offer | None = None,
                          renew_via: str = RenewVia.WALLET, subscription_ref: str = "", renew_provider: str = "",
                          now: dt.datetime | None = None) -> AuthorSubscription:
    """Subscribe `reader` to `author` for `interval` in `currency` (default: their own), paying the first
    period from the wallet: the price less `offer` and less this month's purchases from the writer, or
    nothing for a trial offer (the first charge falls due when it ends). `quoted_minor` is what the
    confirmation said is due now (PriceChanged otherwise). Once per key; never two at once with one writer.
    A card subscription (`payments.settlement.fulfil`, the card's money already in the wallet) passes
    `renew_via=CARD` and the provider's reference: its renewals then come from the provider.
    Raises SubscriptionRefused, OfferRefused, NotEnoughInWallet, PriceChanged or KeyReused, changing nothing."""
    from byline.pricing.selectors import currency_of

    now = now or timezone.now()
    key = "authorsub:" + scoped_key(reader, idempotency_key)
    currency = currency or currency_of(reader)
    if author.user_id == reader.pk:
        raise SubscriptionRefused(_("You cannot subscribe to yourself."))
    if offer is not None and (offer.target != OfferTarget.AUTHOR or offer.author_id != author.pk):
        raise OfferRefused()
    wallet, _earnings, _fees = _accounts(reader=reader, author=author, currency=currency)
    with transaction.atomic():
        locked = ledger.lock_accounts([wallet])
        first = SubscriptionCharge.objects.filter(key=key).select_related("subscription").first()
        if first is not None:
            if first.subscription.author_id != author.pk or first.subscription.interval != interval:
                raise KeyReused()
            return first.subscription
        current = AuthorSubscription.objects.select_for_update().filter(
            reader=reader, author=author, status=SubscriptionStatus.ACTIVE).first()
        if current is not None and current.period_end > now:
            raise SubscriptionRefused(_("You already subscribe to this writer."))
        terms = first_period_terms(reader=reader, author=author, interval=interval, currency=currency, offer=offer,
                                   now=now)
        check_quote(price_minor=terms["due"], currency=currency, quoted_minor=quoted_minor)
        if current is not None:
            current.status = SubscriptionStatus.ENDED
            current.save(update_fields=["status"])
        try:
            with transaction.atomic():
                subscription = AuthorSubscription.objects.create(
                    reader=reader, author=author, interval=interval, currency=currency, price_minor=terms["price"],
                    period_start=now, period_end=now, created_at=now, renew_via=renew_via,
                    subscription_ref=subscription_ref, renew_provider=renew_provider)
        except IntegrityError:
            raise SubscriptionRefused(_("You already subscribe to this writer.")) from None
        redemption = redeem(offer=offer, reader=reader, now=now, subscription=subscription) if offer else None
        if terms["trial_days"]:
            end = now + dt.timedelta(days=terms["trial_days"])
            subscription.trial_end = end
            subscription.save(update_fields=["trial_end"])
            _post_charge(subscription=subscription, key=key, amount=0, start=now, end=end, locked=locked,
                         redemption=redemption)
            return subscription
        charge = _post_charge(subscription=subscription, key=key, amount=terms["due"], start=now, locked=locked,
                              credited=terms["credit"], redemption=redemption)
        if terms["credit"]:
            CreditedPurchase.objects.bulk_create([
                CreditedPurchase(purchase=purchase, charge=charge)
                for purchase in fair_price.purchases_this_month(reader=reader, author_id=author.pk,
                                                                currency=currency, now=now)])
        return subscription


def grant_gifted_months(*, reader, author: Author, months: int, currency: str, price_minor: int, transfer,
                        key: str, now: dt.datetime | None = None) -> AuthorSubscription:
    """Give `reader` `months` of `author`'s subscription that someone else paid for (byline/gifts; `transfer`
    is the gift's claim, which moved the price on to the writer). A subscriber's period is lengthened by the
    months, after the period they hold (their own renewals go on after it, on their terms); anyone else gets
    a monthly subscription that never renews (`cancel_at_period_end`), so it simply ends. Caller holds a
    transaction (the gift's row lock)."""
    now = now or timezone.now()
    current = AuthorSubscription.objects.select_for_update().filter(
        reader=reader, author=author, status=SubscriptionStatus.ACTIVE).first()
    if current is not None and current.period_end <= now:
        _end(current)  # lapsed, not yet ended by the renewal task
        current = None
    if current is None:
        try:
            with transaction.atomic():
                current = AuthorSubscription.objects.create(
                    reader=reader, author=author, interval=Interval.MONTH, currency=currency,
                    price_minor=price_minor // months, period_start=now, period_end=now, created_at=now,
                    cancel_at_period_end=True)
        except IntegrityError:  # a subscribe of this reader committed a moment ago
            current = AuthorSubscription.objects.select_for_update().get(reader=reader, author=author,
                                                                         status=SubscriptionStatus.ACTIVE)
    start = max(current.period_end, now)
    end = memberships.add_months(start, months)
    SubscriptionCharge.objects.create(subscription=current, transfer=transfer, key=key, amount_minor=price_minor,
                                      period_start=start, period_end=end, created_at=now)
    current.period_end = end
    current.save(update_fields=["period_end"])
    return current


# Set by payments (its AppConfig.ready): stops a card subscription at its provider, or raises
# ProviderUnavailable and nothing changes. Subscriptions sit below payments and cannot call it directly.
CANCEL_AT_PROVIDER: list = []


def cancel(*, reader, author_id: int) -> AuthorSubscription | None:
    """Stop renewing; the subscription keeps working until its period (or trial) ends. A card subscription is
    cancelled at its provider first (`CANCEL_AT_PROVIDER`); if the provider cannot be reached,
    ProviderUnavailable is raised and nothing changes."""
    found = AuthorSubscription.objects.filter(reader=reader, author_id=author_id,
                                              status=SubscriptionStatus.ACTIVE).first()
    if found is not None and not found.cancel_at_period_end and found.renew_via == RenewVia.CARD \
            and found.subscription_ref:
        for stop in CANCEL_AT_PROVIDER:
            stop(subscription=found)
    with transaction.atomic():
        subscription = AuthorSubscription.objects.select_for_update().filter(
            reader=reader, author_id=author_id, status=SubscriptionStatus.ACTIVE).first()
        if subscription is not None and not subscription.cancel_at_period_end:
            subscription.cancel_at_period_end = True
            subscription.save(update_fields=["cancel_at_period_end"])
        return subscription


def accept_retention_offer(*, reader, author_id: int, offer: Offer,
                           now: dt.datetime | None = None) -> AuthorSubscription:
    """A subscriber who was cancelling takes the writer's retention offer: the subscription renews again, and
    the offer applies to the next period (a trial offer adds its days now, free)."""
    now = now or timezone.now()
    if not offer.retention or offer.author_id != author_id:
        raise OfferRefused()
    with transaction.atomic():
        subscription = AuthorSubscription.objects.select_for_update().select_related("reader", "author").filter(
            reader=reader, author_id=author_id, status=SubscriptionStatus.ACTIVE, period_end__gt=now).first()
        if subscription is None:
            raise SubscriptionRefused(_("You have no subscription to this writer to keep."))
        if not selectors.offered_at_renewal(subscription):
            raise OfferRefused()
        check_offer_currency(offer=offer, currency=subscription.currency)
        redemption = redeem(offer=offer, reader=reader, now=now, subscription=subscription)
        if offer.kind == OfferKind.TRIAL:
            _post_charge(subscription=subscription, key=f"retention:{redemption.pk}", amount=0,
                         start=subscription.period_end, end=subscription.period_end
                         + dt.timedelta(days=offer.trial_days), locked={}, redemption=redemption)
        subscription.cancel_at_period_end = False
        subscription.save(update_fields=["cancel_at_period_end"])
        return subscription


def _pending_retention(subscription: AuthorSubscription) -> Redemption | None:
    """A retention discount taken but not yet used on a renewal."""
    return (Redemption.objects.filter(subscription=subscription, offer__retention=True,
                                      offer__kind__in=[OfferKind.PERCENT, OfferKind.FIXED], charges__isnull=True)
            .select_related("offer").first())


def renew_due(*, now: dt.datetime | None = None, limit: int = 10_000) -> dict[str, int]:
    """The scheduled task: renew from the wallet every author subscription whose period (or trial) has ended,
    at its own terms (less a retention offer taken for this renewal), or end it: cancelled, no longer
    offered, or the wallet is short (lapsed)."""
    now = now or timezone.now()
    counts: Counter = Counter()
    due = AuthorSubscription.objects.filter(status=SubscriptionStatus.ACTIVE, renew_via=RenewVia.WALLET,
                                            period_end__lte=now)
    for subscription_id in due.values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            subscription = AuthorSubscription.objects.select_related("reader", "author").get(pk=subscription_id)
            wallet, _earnings, _fees = _accounts(reader=subscription.reader, author=subscription.author,
                                                 currency=subscription.currency)
            # The wallet first, as every charge of this reader takes it; then the subscription row.
            locked = ledger.lock_accounts([wallet])
            subscription = AuthorSubscription.objects.select_for_update().select_related("reader", "author").get(
                pk=subscription_id)
            if subscription.status != SubscriptionStatus.ACTIVE or subscription.period_end > now:
                continue
            offered = selectors.price_for(author_id=subscription.author_id, interval=subscription.interval,
                                          currency=subscription.currency)
            if subscription.cancel_at_period_end or offered is None:
                _end(subscription)
                counts["ended"] += 1
                continue
            retention = _pending_retention(subscription)
            amount = subscription.price_minor - discount_of(offer=retention.offer if retention else None,
                                                            price_minor=subscription.price_minor,
                                                            currency=subscription.currency)
            try:
                with transaction.atomic():
                    _post_charge(subscription=subscription, amount=amount, start=subscription.period_end,
                                 key=f"authorsub-renewal:{subscription.pk}:{subscription.period_end.isoformat()}",
                                 locked=locked, redemption=retention)
                counts["renewed"] += 1
            except NotEnoughInWallet:
                _end(subscription)
                counts["lapsed"] += 1
    return dict(counts)


def renew_from_card(*, subscription_ref: str, invoice_ref: str) -> AuthorSubscription | None:
    """A provider says a card subscription was paid for another period: the money is already in the wallet
    (`payments.settlement.renew` credited it); charge it at the subscription's terms, once per invoice."""
    with transaction.atomic():
        found = AuthorSubscription.objects.filter(subscription_ref=subscription_ref).order_by("-period_end").first()
        if found is None:
            return None
        wallet, _earnings, _fees = _accounts(reader=found.reader, author=found.author, currency=found.currency)
        locked = ledger.lock_accounts([wallet])
        subscription = AuthorSubscription.objects.select_for_update().select_related("reader", "author").get(
            pk=found.pk)
        key = f"authorsub-renewal:{subscription_ref}:{invoice_ref}"
        if SubscriptionCharge.objects.filter(key=key).exists():
            return subscription
        now = timezone.now()
        if subscription.status == SubscriptionStatus.ACTIVE:
            start = max(subscription.period_end, now)
        else:
            if AuthorSubscription.objects.filter(reader=subscription.reader, author=subscription.author,
                                                 status=SubscriptionStatus.ACTIVE).exists():
                return None  # the reader subscribed again meanwhile: the money stays in the wallet
            start = now
            subscription.status, subscription.period_start = SubscriptionStatus.ACTIVE, now
            subscription.save(update_fields=["status", "period_start"])
        _post_charge(subscription=subscription, key=key, amount=subscription.price_minor, start=start, locked=locked)
        return subscription


def end_card_subscription(*, subscription_ref: str) -> None:
    """The provider ended a card subscription: stop renewing; the paid period still counts."""
    AuthorSubscription.objects.filter(subscription_ref=subscription_ref, status=SubscriptionStatus.ACTIVE).update(
        cancel_at_period_end=True, renew_via=RenewVia.WALLET)


CARD_RENEWAL_GRACE = memberships.CARD_RENEWAL_GRACE


def end_lapsed_card_subscriptions(*, now: dt.datetime | None = None) -> int:
    """End card subscriptions whose renewal never came, CARD_RENEWAL_GRACE after their period (access already
    stopped at `period_end`)."""
    cutoff = (now or timezone.now()) - CARD_RENEWAL_GRACE
    ended = 0
    for pk in AuthorSubscription.objects.filter(status=SubscriptionStatus.ACTIVE, renew_via=RenewVia.CARD,
                                                period_end__lte=cutoff).values_list("pk", flat=True)[:10_000]:
        with transaction.atomic():
            subscription = AuthorSubscription.objects.select_for_update().get(pk=pk)
            if subscription.status == SubscriptionStatus.ACTIVE and subscription.period_end <= cutoff:
                _end(subscription)
                ended += 1
    return ended


def _end(subscription: AuthorSubscription) -> None:
    subscription.status = SubscriptionStatus.ENDED
    subscription.save(update_fields=["status"])


# --- Site memberships with an offer ----------------------------------------------------------------------

def join_membership_with_offer(*, reader, plan: MembershipPlan, offer: Offer, idempotency_key: str,
                               currency: str | None = None, quoted_minor: int | None = None,
                               now: dt.datetime | None = None) -> Membership:
    """Join the site membership with `offer`: a free trial (no charge; the renewal task charges the full price
    from the wallet when it ends, or ends it) or a lower first period (one transfer to the pool, as a plain
    join's). Renewals charge the plan's full price: the membership keeps its own terms."""
    from byline.pricing.selectors import currency_of

    now = now or timezone.now()
    if offer.target != OfferTarget.MEMBERSHIP or offer.retention:
        raise OfferRefused()
    if not plan.active:
        raise PurchaseRefused(_("This plan is no longer offered."))
    key = "membership:" + scoped_key(reader, idempotency_key)
    currency = currency or currency_of(reader)
    check_offer_currency(offer=offer, currency=currency)
    price = memberships.plan_quote(plan=plan, currency=currency)
    trial_days = offer.trial_days if offer.kind == OfferKind.TRIAL else 0
    due = 0 if trial_days else price - discount_of(offer=offer, price_minor=price, currency=currency)
    wallet = ledger.account_for(kind=AccountKind.WALLET, owner=reader, currency=currency)
    with transaction.atomic():
        locked = ledger.lock_accounts([wallet])
        done = Redemption.objects.filter(reader=reader, offer=offer, membership__isnull=False).select_related(
            "membership").first()
        if done is not None:
            return done.membership
        current = Membership.objects.filter(reader=reader, status=MembershipStatus.ACTIVE).first()
        if current is not None and current.period_end > now:
            raise PurchaseRefused(_("You are already a member."))
        check_quote(price_minor=due, currency=currency, quoted_minor=quoted_minor)
        if due > locked[wallet.pk].balance:
            raise NotEnoughInWallet(missing_minor=due - locked[wallet.pk].balance)
        if current is not None:
            current.status = MembershipStatus.ENDED
            current.save(update_fields=["status"])
        end = now + dt.timedelta(days=trial_days) if trial_days else memberships.add_interval(now, plan.interval)
        try:
            with transaction.atomic():
                membership = Membership.objects.create(reader=reader, plan=plan, currency=currency, price_minor=price,
                                                       period_start=now, period_end=end, renew_via=RenewVia.WALLET)
        except IntegrityError:
            raise PurchaseRefused(_("You are already a member.")) from None
        redeem(offer=offer, reader=reader, now=now, membership=membership)
        if due > 0:
            pool = ledger.account_for(kind=AccountKind.POOL, currency=currency)
            posted = ledger.transfer(key=key, kind=TransferKind.MEMBERSHIP, locked=locked,
                                     legs=[ledger.Leg(wallet, -due), ledger.Leg(pool, due)],
                                     memo=f"membership {plan.name} with offer {offer.pk} until {end.date()}")
            MembershipCharge.objects.create(membership=membership, transfer=posted, period_start=now, period_end=end)
        return membership

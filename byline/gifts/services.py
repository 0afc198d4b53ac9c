"""Buying a gift for someone else, claiming it, and taking it back. Every money step is one ledger transfer.

What can be given (`GiftKind`): an article, a whole collection, months of the site membership, or months of
one writer's subscription. Each differs only in its price (`price_of`), in where the claimed money goes (the
writer's earnings and the fee, or the membership pool) and in its grant: the article's is the gifts
entitlement source, the others' are their own apps' grant functions (`collections.services.
grant_gifted_collection`, `purchases.memberships.grant_gifted_months`, `subscriptions.services.
grant_gifted_months`). Nothing given renews.

Rules a caller may rely on:
- `buy_gift` (wallet) and `pay_for_gift` (the card path, after the money reached the wallet) charge once per
  key: a repeat returns the first gift; a key used for another gift raises KeyReused.
- A gift's row lock decides between its claim and its refund: both take it first, so exactly one of them
  happens; a second claim of a claimed gift (the same reader) returns it, anyone else is refused.
- Lock order: the gift row, then what the grant locks (the claimer's membership or writer subscription row,
  or their user row for a collection), then ledger accounts.
- The money of an unclaimed gift sits in the "gifts held" account of its currency; `invariants` proves
  that account holds exactly the gifts paid and not yet claimed or refunded.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from byline.access.decision import Reason
from byline.access.entitlements import every_reason
from byline.articles.models import Article, Author, Visibility
from byline.collections import selectors as collection_selectors
from byline.collections import services as collection_services
from byline.collections.models import Collection
from byline.gifts import selectors
from byline.gifts.errors import GiftRefused
from byline.gifts.models import GiftKind, GiftState, PaidGift
from byline.ledger import services as ledger
from byline.ledger.models import AccountKind, TransferKind
from byline.pricing.conversion import sold_currencies
from byline.pricing.selectors import currency_of
from byline.purchases import memberships
from byline.purchases.errors import KeyReused, NotEnoughInWallet, NotForSale
from byline.purchases.models import Interval, MembershipPlan
from byline.purchases.services import _lock_reader, check_quote, quote, scoped_key, split_price
from byline.subscriptions import selectors as subscription_selectors
from byline.subscriptions import services as subscription_services

CLAIM_DAYS = 365
MAX_MONTHS = 12
MAX_MESSAGE = 500
# The ways in that last: an article held only so is not given again. A subscription, a membership, a trial or
# this month's fair-price cap end, so a reader who reads the article only through one may still be given it.
KEPT_FOR_GOOD = frozenset({Reason.PURCHASE, Reason.GIFTED, Reason.COLLECTION})

# Called once a gift's payment, claim or refund is committed (gift -> None), e.g. to tell the reader an
# address belongs to under the bell. Apps above this one register in their AppConfig.ready (gifts must not
# import them); a listener that fails is logged by Django's robust on_commit and undoes nothing.
ON_GIFT_PAID: list[Callable[[PaidGift], None]] = []
ON_GIFT_CLAIMED: list[Callable[[PaidGift], None]] = []
ON_GIFT_REFUNDED: list[Callable[[PaidGift], None]] = []


def _after_commit(listeners: list[Callable[[PaidGift], None]], gift: PaidGift) -> None:
    for listener in listeners:
        transaction.on_commit(lambda listener=listener: listener(gift), robust=True)


@dataclass(frozen=True)
class GiftOrder:
    """What the buyer asked for, checked: one article, one collection, `months` of the monthly membership
    `plan`, or `months` of `author`'s subscription."""

    kind: str
    article: Article | None = None
    plan: MembershipPlan | None = None
    collection: Collection | None = None
    author: Author | None = None
    months: int = 0
    recipient_email: str = ""
    message: str = ""


def monthly_plan() -> MembershipPlan | None:
    """The plan a membership gift is priced by: the active monthly plan (the cheapest, as the membership
    page offers it first)."""
    return MembershipPlan.objects.filter(active=True, interval=Interval.MONTH).order_by("price_minor", "pk").first()


def article_order(*, article: Article, recipient_email: str = "", message: str = "") -> GiftOrder:
    if not article.is_live or article.is_free or article.price_minor <= 0 \
            or article.visibility not in (Visibility.PAID, Visibility.MEMBERS):
        raise NotForSale(_("This article cannot be given: it is free or not on sale."))
    return GiftOrder(kind=GiftKind.ARTICLE, article=article, recipient_email=recipient_email.strip(),
                     message=message.strip()[:MAX_MESSAGE])


def membership_order(*, months: int, recipient_email: str = "", message: str = "") -> GiftOrder:
    plan = monthly_plan()
    if plan is None:
        raise NotForSale(_("Memberships are not offered at the moment."))
    if not 1 <= months <= MAX_MONTHS:
        raise GiftRefused(_("Choose from 1 to 12 months."), code="months")
    return GiftOrder(kind=GiftKind.MEMBERSHIP, plan=plan, months=months, recipient_email=recipient_email.strip(),
                     message=message.strip()[:MAX_MESSAGE])


def collection_order(*, collection: Collection, recipient_email: str = "", message: str = "") -> GiftOrder:
    if not collection_selectors.current_items(collection):
        raise NotForSale(_("This collection has nothing to read yet."))
    return GiftOrder(kind=GiftKind.COLLECTION, collection=collection, recipient_email=recipient_email.strip(),
                     message=message.strip()[:MAX_MESSAGE])


def author_order(*, author: Author, months: int, recipient_email: str = "", message: str = "") -> GiftOrder:
    """Months of `author`'s subscription, priced by their monthly price (in the buyer's currency, `price_of`)."""
    if not subscription_selectors.offered_prices(author.pk):
        raise NotForSale(_("This writer does not offer subscriptions."))
    if not 1 <= months <= MAX_MONTHS:
        raise GiftRefused(_("Choose from 1 to 12 months."), code="months")
    return GiftOrder(kind=GiftKind.AUTHOR, author=author, months=months, recipient_email=recipient_email.strip(),
                     message=message.strip()[:MAX_MESSAGE])


def price_of(order: GiftOrder, currency: str) -> int:
    """The gift's price in `currency` now: the article's or the collection's (whole, at most the writer's
    monthly price: the buyer's own parts are no credit towards someone else's copy), or the monthly plan's or
    the writer's monthly price times the months. Raises NotForSale where there is none in `currency`."""
    if order.kind == GiftKind.ARTICLE:
        return quote(article=order.article, currency=currency)
    if order.kind == GiftKind.COLLECTION:
        if currency not in sold_currencies():
            raise NotForSale(_("Prices are not offered in %(currency)s.") % {"currency": currency})
        return collection_selectors.price_of(order.collection, currency)[0]
    if order.kind == GiftKind.AUTHOR:
        row = subscription_selectors.price_for(author_id=order.author.pk, interval=Interval.MONTH, currency=currency)
        if row is None:
            raise NotForSale(_("This writer does not offer a monthly subscription in your currency."))
        return row.price_minor * order.months
    return memberships.plan_quote(plan=order.plan, currency=currency) * order.months


def _pk(thing) -> int | None:
    return thing.pk if thing is not None else None


def _same_order(gift: PaidGift, order: GiftOrder) -> bool:
    return (gift.kind, gift.article_id, gift.plan_id, gift.collection_id, gift.author_id, gift.months) == (
        order.kind, _pk(order.article), _pk(order.plan), _pk(order.collection), _pk(order.author), order.months)


def open_gift(*, buyer, order: GiftOrder, idempotency_key: str, currency: str | None = None,
              quoted_minor: int | None = None, now: dt.datetime | None = None) -> PaidGift:
    """The gift's row, not yet paid (AWAITING): what a card checkout pays for. Once per key. The same key
    again (Back from the confirmation, the form as it was) with another address or message corrects them
    while the gift is unpaid; a paid gift stays as it was sent."""
    key = "gift:" + scoped_key(buyer, idempotency_key)
    existing = PaidGift.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if not _same_order(existing, order):
            raise KeyReused()
        if (existing.recipient_email, existing.message) != (order.recipient_email, order.message):
            PaidGift.objects.filter(pk=existing.pk, state=GiftState.AWAITING).update(
                recipient_email=order.recipient_email, message=order.message)
            existing.refresh_from_db()
        return existing
    currency = currency or currency_of(buyer)
    price = price_of(order, currency)
    check_quote(price_minor=price, currency=currency, quoted_minor=quoted_minor)
    now = now or timezone.now()
    gift, _created = PaidGift.objects.get_or_create(idempotency_key=key, defaults=dict(
        buyer=buyer, kind=order.kind, article=order.article, plan=order.plan, collection=order.collection,
        author=order.author, months=order.months,
        price_minor=price, currency=currency, recipient_email=order.recipient_email, message=order.message,
        token=secrets.token_urlsafe(32), created_at=now))
    if not _same_order(gift, order):
        raise KeyReused()
    return gift


def buy_gift(*, buyer, order: GiftOrder, idempotency_key: str, currency: str | None = None,
             quoted_minor: int | None = None, now: dt.datetime | None = None) -> PaidGift:
    """Pay for a gift from the buyer's wallet, once per key. Raises NotForSale, PriceChanged,
    NotEnoughInWallet, KeyReused or GiftRefused and changes nothing then."""
    with transaction.atomic():
        gift = open_gift(buyer=buyer, order=order, idempotency_key=idempotency_key, currency=currency,
                         quoted_minor=quoted_minor, now=now)
        return pay_for_gift(gift_id=gift.pk, now=now)


def order_of(gift: PaidGift) -> GiftOrder:
    """What `gift` was opened for, as an order (to price it again)."""
    return GiftOrder(kind=gift.kind, article=gift.article, plan=gift.plan, collection=gift.collection,
                     author=gift.author, months=gift.months)


def price_now(gift: PaidGift) -> int:
    """What an unpaid gift costs today, in its currency: the price the confirmation page states. Raises
    NotForSale where it cannot be bought any more."""
    return price_of(order_of(gift), gift.currency)


def reprice_gift(*, gift_id: int) -> PaidGift:
    """An unpaid gift's row with today's price written on it, for a card checkout that charges the row's
    price. A paid gift is returned as it is."""
    with transaction.atomic():
        gift = PaidGift.objects.select_for_update(of=("self",)).get(pk=gift_id)
        if gift.state == GiftState.AWAITING:
            price = price_now(gift)
            if price != gift.price_minor:
                gift.price_minor = price
                gift.save(update_fields=["price_minor"])
        return gift


def pay_for_gift(*, gift_id: int, quoted_minor: int | None = None, now: dt.datetime | None = None,
                 paid_by: str = "") -> PaidGift:
    """Move the gift's price today from the buyer's wallet into "gifts held", once. `quoted_minor` is the
    price the buyer confirmed (without it, the price the gift was opened at): if today's price differs,
    PriceChanged is raised and nothing is charged, as an article's unlock does, so an opened gift never
    holds an old price open. Used by `buy_gift` and by a paid card checkout, which names itself in
    `paid_by`: the transfer's key (`paid_key`) then says which of two card payments for one gift paid it."""
    now = now or timezone.now()
    with transaction.atomic():
        gift = (PaidGift.objects.select_for_update(of=("self",))
                .select_related("buyer", "article", "plan", "collection", "author").get(pk=gift_id))
        if gift.state != GiftState.AWAITING:
            return gift
        price = price_now(gift)
        check_quote(price_minor=price, currency=gift.currency,
                    quoted_minor=gift.price_minor if quoted_minor is None else quoted_minor)
        gift.price_minor = price
        wallet, held = ledger.accounts_for([(AccountKind.WALLET, gift.currency, gift.buyer_id),
                                            (AccountKind.GIFTS, gift.currency, None)])
        locked = ledger.lock_accounts([wallet])
        balance = locked[wallet.pk].balance
        if balance < gift.price_minor:
            raise NotEnoughInWallet(missing_minor=gift.price_minor - balance)
        gift.transfer = ledger.transfer(
            key=selectors.paid_key(gift.pk, paid_by), kind=TransferKind.GIFT, locked=locked,
            legs=[ledger.Leg(wallet, -gift.price_minor), ledger.Leg(held, gift.price_minor)],
            memo=f"gift {gift.pk} ({gift.kind})")
        gift.state, gift.claim_by = GiftState.PAID, now + dt.timedelta(days=CLAIM_DAYS)
        gift.save(update_fields=["transfer", "state", "claim_by", "price_minor"])
        if gift.recipient_email:
            from byline.gifts.mail import mail_gift

            transaction.on_commit(lambda: mail_gift(gift_id=gift.pk))
        _after_commit(ON_GIFT_PAID, gift)
        return gift


def claim_gift(*, token: str, reader, now: dt.datetime | None = None) -> PaidGift:
    """The signed-in `reader` claims the gift behind `token`: the money goes on as a sale would and the
    reader gets the article (an entitlement, `selectors.entitlement_conditions`), the collection (a gifted
    collection purchase) or the months (a membership or writer subscription period). Once: a repeat by the
    same reader returns the gift. Raises GiftRefused (code: missing, claimed, refunded, unpaid, expired, own,
    has_it)."""
    now = now or timezone.now()
    with transaction.atomic():
        gift = (PaidGift.objects.select_for_update(of=("self",))
                .select_related("article__author", "plan", "collection__author", "author")
                .filter(token=token or "-").first())
        if gift is None:
            raise GiftRefused(_("There is no such gift. Please check the link."), code="missing")
        if gift.state == GiftState.CLAIMED:
            if gift.recipient_id == reader.pk:
                return gift
            raise GiftRefused(_("This gift was already claimed by someone else."), code="claimed")
        if gift.state == GiftState.REFUNDED:
            raise GiftRefused(_("The giver took this gift back before it was claimed."), code="refunded")
        if gift.state != GiftState.PAID:
            raise GiftRefused(_("This gift has not been paid for yet."), code="unpaid")
        if now > gift.claim_by:
            raise GiftRefused(_("This gift was not claimed within a year, so it can no longer be claimed."),
                              code="expired")
        if gift.buyer_id == reader.pk:
            raise GiftRefused(_("You bought this gift: pass the link on to the person it is for."), code="own")
        if gift.kind == GiftKind.ARTICLE:
            if gift.article.author.user_id == reader.pk or every_reason(reader, gift.article) & KEPT_FOR_GOOD:
                raise GiftRefused(_("You can already read this article, so this gift stays unclaimed for now: "
                                    "the giver can take it back or pass it to someone else."), code="has_it")
            gift.settlement = _pay_the_writer(gift, gift.article.author, f"article {gift.article_id}")
        elif gift.kind == GiftKind.COLLECTION:
            collection = gift.collection
            # The reader's row before the writer's earnings, as a buy of the collection takes them: a claim
            # racing the recipient's own buy then waits instead of deadlocking.
            _lock_reader(reader.pk)
            if collection.author.user_id == reader.pk \
                    or collection_selectors.active_purchase(reader=reader, collection=collection) is not None:
                raise GiftRefused(_("This whole collection is already yours, so this gift stays unclaimed for "
                                    "now: the giver can take it back or pass it to someone else."), code="has_it")
            gift.settlement = _pay_the_writer(gift, collection.author, f"collection {collection.pk}")
            try:
                collection_services.grant_gifted_collection(
                    reader=reader, collection=collection, currency=gift.currency, price_minor=gift.price_minor,
                    transfer=gift.settlement, key=f"collection-gift:{gift.pk}", now=now)
            except NotForSale:  # bought by this reader a moment ago: the whole claim is rolled back
                raise GiftRefused(_("This whole collection is already yours, so this gift stays unclaimed for "
                                    "now: the giver can take it back or pass it to someone else."),
                                  code="has_it") from None
        elif gift.kind == GiftKind.AUTHOR:
            if gift.author.user_id == reader.pk:
                raise GiftRefused(_("These are months of your own subscription, so this gift stays unclaimed for "
                                    "now: the giver can take it back or pass it to someone else."), code="has_it")
            gift.settlement = _pay_the_writer(gift, gift.author, f"{gift.months} months of writer {gift.author_id}")
            subscription_services.grant_gifted_months(
                reader=reader, author=gift.author, months=gift.months, currency=gift.currency,
                price_minor=gift.price_minor, transfer=gift.settlement, key=f"gift-claim:{gift.pk}", now=now)
        else:
            pool = ledger.account_for(kind=AccountKind.POOL, currency=gift.currency)
            gift.settlement = ledger.transfer(
                key=f"gift-claim:{gift.pk}", kind=TransferKind.GIFT_CLAIM,
                legs=[ledger.Leg(_held(gift), -gift.price_minor), ledger.Leg(pool, gift.price_minor)],
                memo=f"gift {gift.pk} claimed: {gift.months} months")
            memberships.grant_gifted_months(reader=reader, plan=gift.plan, months=gift.months,
                                            currency=gift.currency, price_per_month=gift.price_minor // gift.months,
                                            transfer=gift.settlement, now=now)
        gift.state, gift.recipient, gift.settled_at = GiftState.CLAIMED, reader, now
        gift.save(update_fields=["settlement", "state", "recipient", "settled_at"])
        _after_commit(ON_GIFT_CLAIMED, gift)
        return gift


def _held(gift: PaidGift):
    return ledger.account_for(kind=AccountKind.GIFTS, currency=gift.currency)


def _pay_the_writer(gift: PaidGift, author: Author, what: str):
    """Held money to the writer's earnings and the platform fee, split as their sale would be."""
    author_share, fee = split_price(gift.price_minor)
    earnings = ledger.account_for(kind=AccountKind.EARNINGS, owner=author.user_id, currency=gift.currency)
    legs = [ledger.Leg(_held(gift), -gift.price_minor), ledger.Leg(earnings, author_share)]
    if fee:
        legs.append(ledger.Leg(ledger.account_for(kind=AccountKind.FEES, currency=gift.currency), fee))
    return ledger.transfer(key=f"gift-claim:{gift.pk}", kind=TransferKind.GIFT_CLAIM, legs=legs,
                           memo=f"gift {gift.pk} claimed: {what}"[:200])


def refund_gift(*, buyer, gift_id: int, now: dt.datetime | None = None) -> PaidGift:
    """The buyer takes an unclaimed gift back: the exact reverse of its payment, into their wallet. Once; a
    refunded gift is returned as it is. Raises GiftRefused (code: missing, claimed, unpaid)."""
    now = now or timezone.now()
    with transaction.atomic():
        gift = PaidGift.objects.select_for_update(of=("self",)).select_related("transfer").filter(pk=gift_id,
                                                                                       buyer=buyer).first()
        if gift is None:
            raise GiftRefused(_("There is no such gift of yours."), code="missing")
        if gift.state == GiftState.REFUNDED:
            return gift
        if gift.state == GiftState.CLAIMED:
            raise GiftRefused(_("This gift was claimed, so it can no longer be taken back."), code="claimed")
        if gift.state != GiftState.PAID:
            raise GiftRefused(_("This gift has not been paid for yet."), code="unpaid")
        gift.settlement = ledger.reverse(original=gift.transfer, key=f"gift-refund:{gift.pk}",
                                         kind=TransferKind.GIFT_REFUND, memo=f"gift {gift.pk} taken back")
        gift.state, gift.settled_at = GiftState.REFUNDED, now
        gift.save(update_fields=["settlement", "state", "settled_at"])
        _after_commit(ON_GIFT_REFUNDED, gift)
        return gift


def claim_url(gift: PaidGift) -> str:
    """The claim link, absolute (for e-mail and copying)."""
    from django.urls import reverse

    return settings.SITE_URL.rstrip("/") + reverse("gifts:claim", args=[gift.token])

"""Writes: buying a whole collection from the wallet (less what the reader paid for its parts), undoing
it, and the author's management of their collections. Every move of money is one ledger transfer.

Lock order, as in purchases: the reader's user row, then the collection purchase, then the ledger
accounts. Buying takes the reader's row first too, so an undo of a part purchase (which takes it first)
either happens before the purchase is counted as credit, or sees the credit and is refused.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from byline.articles.models import Article, Author
from byline.collections import selectors
from byline.collections.models import (
    Collection,
    CollectionCredit,
    CollectionItem,
    CollectionPurchase,
    CollectionPurchaseStatus,
)
from byline.ledger import services as ledger
from byline.ledger.models import AccountKind, TransferKind
from byline.pricing.conversion import sold_currencies
from byline.pricing.selectors import currency_of
from byline.purchases.errors import KeyReused, NotEnoughInWallet, NotForSale, PriceChanged, UndoRefused
from byline.purchases.models import Purchase
from byline.purchases.services import _lock_reader, scoped_key, split_price, undos_left
from byline.subscriptions import services as offer_services
from byline.subscriptions.errors import OfferRefused
from byline.subscriptions.models import Offer, OfferTarget


def buy_with_wallet(*, reader, collection: Collection, idempotency_key: str, currency: str | None = None,
                    quoted_minor: int | None = None, offer: Offer | None = None) -> CollectionPurchase:
    """Debit the reader's wallet by the collection's price less `offer`'s discount, less what they paid for
    its parts (in that order, never below zero: `selectors.Quote`) and credit the author and the platform,
    once. The offer is redeemed (once per reader, within its limit, under its row lock) only if it lowers
    what is paid; OfferRefused if it may not be taken.

    `quoted_minor` is the amount the reader confirmed; if the amount to pay is no longer that (a price
    change, a part bought or undone meanwhile), PriceChanged is raised and nothing is charged. A repeated
    key, or a collection already bought, returns the first purchase. Raises NotForSale, PriceChanged,
    NotEnoughInWallet, KeyReused or OfferRefused and then changes nothing.
    """
    if offer is not None and (offer.target != OfferTarget.COLLECTION or offer.collection_id != collection.pk):
        raise OfferRefused()
    key = "collection:" + scoped_key(reader, idempotency_key)
    existing = CollectionPurchase.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return _repeat_of(existing, collection)
    if collection.author.user_id == reader.pk:
        raise NotForSale(_("You made this collection, so it is already yours."))
    currency = currency or currency_of(reader)
    if currency not in sold_currencies():
        raise NotForSale(_("Prices are not offered in %(currency)s.") % {"currency": currency})
    if not selectors.current_items(collection):
        raise NotForSale(_("This collection has nothing to read yet."))
    wallet, earnings, fees = ledger.accounts_for([
        (AccountKind.WALLET, currency, reader), (AccountKind.EARNINGS, currency, collection.author.user_id),
        (AccountKind.FEES, currency, None)])
    with transaction.atomic():
        _lock_reader(reader.pk)
        locked = ledger.lock_accounts([wallet])
        existing = CollectionPurchase.objects.filter(idempotency_key=key).first() or selectors.active_purchase(
            reader=reader, collection=collection)
        if existing is not None:
            return _repeat_of(existing, collection)
        # Read under the locks: the reader's part purchases and undos wait for us, so the credit is exact.
        terms = selectors.quote(reader=reader, collection=collection, currency=currency, offer=offer)
        if offer is not None and not terms.offer_lowers_it:
            terms = selectors.quote(reader=reader, collection=collection, currency=currency)
            offer = None
        to_pay = terms.to_pay
        if quoted_minor is not None and quoted_minor != to_pay:
            raise PriceChanged(price_minor=to_pay, currency=currency)
        balance = locked[wallet.pk].balance
        if balance < to_pay:
            raise NotEnoughInWallet(missing_minor=to_pay - balance)
        # After the wallet and before the writer's accounts (the transfer below), as the undo takes it: the
        # offer's row lock makes its limit hold among concurrent takers and undos.
        redemption = offer_services.redeem(offer=offer, reader=reader, now=timezone.now()) if offer else None
        author_share, fee = split_price(to_pay)
        posted = None
        if to_pay:
            legs = [ledger.Leg(wallet, -to_pay), ledger.Leg(earnings, author_share)]
            if fee:
                legs.append(ledger.Leg(fees, fee))
            posted = ledger.transfer(key=key, kind=TransferKind.COLLECTION, legs=legs, locked=locked,
                                     memo=f"collection {collection.pk}: {collection.title}"[:200])
        try:
            bought = CollectionPurchase.objects.create(
                reader=reader, collection=collection, idempotency_key=key, currency=currency,
                price_minor=terms.price, credit_minor=terms.credit, paid_minor=to_pay,
                discount_minor=terms.discount, redemption=redemption,
                author_share_minor=author_share, platform_fee_minor=fee,
                includes_later=collection.includes_later, transfer=posted)
        except IntegrityError:
            raise NotForSale(_("You already own this collection.")) from None
        CollectionCredit.objects.bulk_create([
            CollectionCredit(collection_purchase=bought, purchase=purchase, amount_minor=purchase.price_minor)
            for purchase in terms.purchases])
        return bought


def grant_gifted_collection(*, reader, collection: Collection, currency: str, price_minor: int, transfer,
                            key: str, now: dt.datetime | None = None) -> CollectionPurchase:
    """Give `reader` the whole collection someone else paid for (byline/gifts; `transfer` is the gift's claim,
    which moved the price on to the writer). Recorded as a collection purchase (`gifted`) so the access
    source, the collection page and the reader's library treat it as bought, on the collection's terms of
    today; no part purchase is credited and it cannot be undone by the reader. Raises NotForSale if the
    reader already owns the collection. Caller holds a transaction (the gift's row lock)."""
    _lock_reader(reader.pk)  # as a buy does: a buy of the same collection by this reader waits for us
    if selectors.active_purchase(reader=reader, collection=collection) is not None:
        raise NotForSale(_("You already own this collection."))
    author_share, fee = split_price(price_minor)
    try:
        with transaction.atomic():
            return CollectionPurchase.objects.create(
                reader=reader, collection=collection, idempotency_key=key, currency=currency,
                price_minor=price_minor, credit_minor=0, paid_minor=price_minor, author_share_minor=author_share,
                platform_fee_minor=fee, includes_later=collection.includes_later, gifted=True, transfer=transfer,
                created_at=now or timezone.now())
    except IntegrityError:
        raise NotForSale(_("You already own this collection.")) from None


def _repeat_of(first: CollectionPurchase, collection: Collection) -> CollectionPurchase:
    if first.collection_id != collection.pk:
        raise KeyReused()
    return first


def undo_deadline(bought: CollectionPurchase) -> dt.datetime:
    return bought.created_at + dt.timedelta(seconds=settings.UNDO_WINDOW_SECONDS)


def undos_left_for(*, reader, now: dt.datetime) -> int:
    """The reader's undo allowance, shared with article purchases: their undos and these count together."""
    since = now - dt.timedelta(days=settings.UNDO_LIMIT_DAYS)
    used = CollectionPurchase.objects.filter(reader=reader, status=CollectionPurchaseStatus.UNDONE,
                                             reversed_at__gte=since).count()
    return max(0, undos_left(reader=reader, now=now) - used)


def undo_collection_purchase(*, reader, purchase_id: int, now: dt.datetime | None = None) -> CollectionPurchase:
    """Reverse the reader's own collection purchase in full, within the undo window of purchases and the
    shared undo allowance. The part purchases it counted stay as they were; an offer it redeemed gets its use
    back. Idempotent; raises UndoRefused."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_reader(reader.pk)
        bought = (CollectionPurchase.objects.select_for_update(of=("self",)).select_related("transfer")
                  .filter(pk=purchase_id, reader=reader).first())
        if bought is None:
            raise UndoRefused(_("There is no such purchase of yours."), code="missing")
        if bought.status == CollectionPurchaseStatus.UNDONE:
            return bought
        if bought.status != CollectionPurchaseStatus.ACTIVE:
            raise UndoRefused(_("This purchase was already refunded to your balance."), code="refunded")
        if bought.gifted:
            raise UndoRefused(_("This collection was a gift, so there is nothing of yours to give back."),
                              code="gift")
        if now > undo_deadline(bought):
            raise UndoRefused(_("The 10 minutes to undo this purchase have passed, so the purchase stands."),
                              code="window")
        if undos_left_for(reader=reader, now=now) <= 0:
            raise UndoRefused(_("You have used all your undos for now, so the purchase stands."), code="limit")
        if bought.redemption_id is not None:
            # The offer's use goes back with the money. Its row lock before the ledger's, in the buy's order
            # (the buy locks the offer, then moves money to the writer's accounts): else the two deadlock.
            offer_services.release(redemption=bought.redemption, now=now)
        if bought.transfer is not None:
            bought.reversal = ledger.reverse(original=bought.transfer, key=f"collection-undo:{bought.pk}",
                                             kind=TransferKind.COLLECTION_UNDO,
                                             memo=f"undo of collection purchase {bought.pk}")
        bought.status, bought.reversed_at = CollectionPurchaseStatus.UNDONE, now
        bought.save(update_fields=["status", "reversal", "reversed_at"])
        return bought


def refund_collection_purchase(*, purchase_id: int, staff_user, reason: str = "",
                               now: dt.datetime | None = None) -> CollectionPurchase:
    """Staff refund at any time, as `purchases.services.refund_purchase` is for an article: the purchase
    transfer reversed (the money back to the reader's wallet, the writer's and the platform's shares out of
    theirs), the collection's access ended, an offer it redeemed given its use back. A card payment that
    topped up the wallet for it is returned from the wallet separately (the checkout's own staff action,
    `payments.refunds`), as for an article. Idempotent: a purchase already ended is returned as it is, so a
    double click, or a refund racing the reader's undo, moves the money once.

    Refused (UndoRefused) for a collection received as a gift: the money was the giver's, and the gift's own
    rules apply. Its credited part purchases stay as they were (the reader paid for them); they may then be
    refunded on their own."""
    now = now or timezone.now()
    with transaction.atomic():
        reader_id = (CollectionPurchase.objects.filter(pk=purchase_id).values_list("reader_id", flat=True)
                     .first())
        if reader_id is None:
            raise UndoRefused(_("There is no such purchase."), code="missing")
        # Lock order as the reader's undo: the reader, the purchase, the offer, the ledger accounts.
        _lock_reader(reader_id)
        bought = (CollectionPurchase.objects.select_for_update(of=("self",)).select_related("transfer")
                  .get(pk=purchase_id))
        if bought.status != CollectionPurchaseStatus.ACTIVE:
            return bought
        if bought.gifted:
            raise UndoRefused(_("This collection was a gift, so there is nothing of the reader's to give back."),
                              code="gift")
        if bought.redemption_id is not None:
            offer_services.release(redemption=bought.redemption, now=now)
        if bought.transfer is not None:
            bought.reversal = ledger.reverse(
                original=bought.transfer, key=f"collection-refund:{bought.pk}", kind=TransferKind.REFUND,
                memo=f"refund of collection purchase {bought.pk} by {staff_user}: {reason}"[:200])
        bought.status, bought.reversed_at = CollectionPurchaseStatus.REFUNDED, now
        bought.save(update_fields=["status", "reversal", "reversed_at"])
        return bought


def refuse_undo_of_credited_part(purchase: Purchase) -> str:
    """purchases' undo guard: a part purchase that an active collection purchase counted cannot be undone
    alone (the collection was sold for less because of it); the collection purchase can be."""
    counted = CollectionCredit.objects.filter(
        purchase_id=purchase.pk, collection_purchase__status=CollectionPurchaseStatus.ACTIVE).exists()
    if counted:
        return gettext("This article counted towards a collection you bought, so it cannot be undone on its own. "
                       "You can undo the collection purchase instead, while its 10 minutes last.")
    return ""


# --- The author's side ---------------------------------------------------------------------------------

def _forget_pages(article_slugs: list[str]) -> None:
    """The parts' cached pages show "Part N of M" and their neighbours: forget them (now and after commit)."""
    from byline.articles import page_cache

    for slug in article_slugs:
        page_cache.parts_changed(slug)


def _part_slugs(collection: Collection) -> list[str]:
    return list(CollectionItem.objects.filter(collection=collection, removed_at__isnull=True)
                .values_list("article__slug", flat=True))


def save_collection(*, author: Author, collection: Collection | None = None, title: str, slug: str,
                    description: str, price_minor: int, currency: str, prices: dict[str, int],
                    includes_later: bool) -> Collection:
    """Create or change one of the author's collections. Its parts' pages show its title: forgotten."""
    with transaction.atomic():
        if collection is None:
            collection = Collection(author=author)
        elif collection.author_id != author.pk:
            raise PermissionError("not this author's collection")
        collection.title, collection.slug, collection.description = title, slug, description
        collection.price_minor, collection.currency, collection.prices = price_minor, currency, prices
        collection.includes_later = includes_later
        collection.save()
        _forget_pages(_part_slugs(collection))
        return collection


def add_article(*, collection: Collection, article: Article, now: dt.datetime | None = None) -> CollectionItem:
    """Add one of the author's articles at the end. An article is in at most one collection at a time."""
    if article.author_id != collection.author_id:
        raise NotForSale(_("Only your own articles can go into your collection."))
    with transaction.atomic():
        Collection.objects.select_for_update().filter(pk=collection.pk).first()
        if CollectionItem.objects.filter(article=article, removed_at__isnull=True).exists():
            raise NotForSale(_("This article is already in a collection."))
        last = CollectionItem.objects.filter(collection=collection, removed_at__isnull=True).aggregate(
            last=Max("position"))["last"]
        item = CollectionItem.objects.create(collection=collection, article=article,
                                             position=0 if last is None else last + 1, added_at=now or timezone.now())
        _forget_pages(_part_slugs(collection))
        return item


def remove_article(*, collection: Collection, article_id: int, now: dt.datetime | None = None) -> None:
    """Take a part out; those who bought the collection while it was in keep it."""
    with transaction.atomic():
        Collection.objects.select_for_update().filter(pk=collection.pk).first()
        slugs = _part_slugs(collection)
        CollectionItem.objects.filter(collection=collection, article_id=article_id,
                                      removed_at__isnull=True).update(removed_at=now or timezone.now())
        _forget_pages(slugs)


def move_article(*, collection: Collection, article_id: int, up: bool) -> None:
    """Swap a part with its neighbour before (up) or after it."""
    with transaction.atomic():
        Collection.objects.select_for_update().filter(pk=collection.pk).first()
        items = list(CollectionItem.objects.filter(collection=collection, removed_at__isnull=True)
                     .order_by("position", "id"))
        ids = [item.article_id for item in items]
        if article_id not in ids:
            return
        index = ids.index(article_id)
        other = index - 1 if up else index + 1
        if not 0 <= other < len(items):
            return
        items[index], items[other] = items[other], items[index]
        for position, item in enumerate(items):
            if item.position != position:
                CollectionItem.objects.filter(pk=item.pk).update(position=position)
        _forget_pages([item.article.slug for item in
                       CollectionItem.objects.filter(pk__in=[i.pk for i in items]).select_related("article")])


def delete_collection(*, collection: Collection) -> bool:
    """Delete a collection nobody bought (its parts stay as articles). Returns False if someone bought it."""
    with transaction.atomic():
        if CollectionPurchase.objects.filter(collection=collection).exists():
            return False
        slugs = _part_slugs(collection)
        collection.delete()
        _forget_pages(slugs)
        return True


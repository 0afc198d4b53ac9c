"""Buying one article from the wallet, undoing it, and staff refunds. Every write is one ledger transfer.

`unlock_with_wallet` is idempotent twice over: a repeat of its key returns the first purchase,
and an article the reader already owns is never charged again.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from byline.articles.models import Article, Visibility
from byline.ledger import services as ledger
from byline.ledger.models import AccountKind, TransferKind
from byline.purchases.errors import KeyReused, NotEnoughInWallet, NotForSale, UndoRefused
from byline.purchases.models import Purchase, PurchaseStatus
from byline.sharing.services import record_conversion

MAX_KEY = 100


def split_price(price_minor: int) -> tuple[int, int]:
    """(author's share, platform fee) of a price; the author's share rounds down."""
    author = price_minor * settings.AUTHOR_SHARE_PERCENT // 100
    return author, price_minor - author


def scoped_key(reader, idempotency_key: str) -> str:
    key = (idempotency_key or "").strip()
    if not key or len(key) > MAX_KEY:
        raise NotForSale(_("This form has expired. Please reload the page and try again."))
    return f"r{reader.pk}:{key}"


def _check_for_sale(reader, article: Article) -> None:
    if not article.is_live or article.is_free or article.price_minor <= 0:
        raise NotForSale()
    if article.visibility not in (Visibility.PAID, Visibility.MEMBERS):
        raise NotForSale()
    if article.author.user_id == reader.pk:
        raise NotForSale(_("You wrote this article, so it is already yours."))


def unlock_with_wallet(*, reader, article: Article, idempotency_key: str) -> Purchase:
    """Debit the reader's wallet by the article's price and credit the author and the platform, once.

    Returns the purchase (the earlier one for a repeated key or an article already owned).
    Raises NotForSale, NotEnoughInWallet (with `missing_minor`), or KeyReused for a key used before for
    another article, and changes nothing then.
    """
    key = "purchase:" + scoped_key(reader, idempotency_key)
    existing = Purchase.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return _repeat_of(existing, article)
    _check_for_sale(reader, article)
    price, currency = article.price_minor, article.currency
    wallet, earnings, fees = ledger.accounts_for([
        (AccountKind.WALLET, currency, reader), (AccountKind.EARNINGS, currency, article.author.user_id),
        (AccountKind.FEES, currency, None)])
    author_share, fee = split_price(price)
    with transaction.atomic():
        # The wallet lock serialises everything this reader buys, so the checks below cannot race
        # with another purchase of theirs.
        locked = ledger.lock_accounts([wallet])
        existing = Purchase.objects.filter(
            Q(idempotency_key=key) | Q(reader=reader, article=article, status=PurchaseStatus.ACTIVE)).first()
        if existing is not None:
            return _repeat_of(existing, article)
        balance = locked[wallet.pk].balance
        if balance < price:
            raise NotEnoughInWallet(missing_minor=price - balance)
        legs = [ledger.Leg(wallet, -price), ledger.Leg(earnings, author_share)]
        if fee:
            legs.append(ledger.Leg(fees, fee))
        posted = ledger.transfer(key=key, kind=TransferKind.PURCHASE, legs=legs,
                                 memo=f"article {article.pk}: {article.title}"[:200])
        try:
            with transaction.atomic():
                purchase = Purchase.objects.create(
                    reader=reader, article=article, idempotency_key=key, price_minor=price, currency=currency,
                    author_share_minor=author_share, platform_fee_minor=fee, transfer=posted)
        except IntegrityError:
            raise NotForSale(_("You already own this article.")) from None
        # Credit the share or gift that brought the reader here, once the purchase is certain.
        transaction.on_commit(lambda: record_conversion(reader=reader, article=article))
        return purchase


def _repeat_of(first: Purchase, article: Article) -> Purchase:
    if first.article_id != article.pk:
        raise KeyReused()
    return first


def undo_deadline(purchase: Purchase) -> dt.datetime:
    return purchase.created_at + dt.timedelta(seconds=settings.UNDO_WINDOW_SECONDS)


def undos_left(*, reader, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    since = now - dt.timedelta(days=settings.UNDO_LIMIT_DAYS)
    used = Purchase.objects.filter(reader=reader, status=PurchaseStatus.UNDONE, reversed_at__gte=since).count()
    return max(0, settings.UNDO_LIMIT - used)


def undo_purchase(*, reader, purchase_id: int, now: dt.datetime | None = None) -> Purchase:
    """Reverse the reader's own purchase in full, within the undo window and the undo allowance.

    Idempotent: undoing an already undone purchase returns it. Raises UndoRefused otherwise.
    """
    now = now or timezone.now()
    purchase = Purchase.objects.filter(pk=purchase_id, reader=reader).select_related("transfer").first()
    if purchase is None:
        raise UndoRefused(_("There is no such purchase of yours."))
    if purchase.status == PurchaseStatus.UNDONE:
        return purchase
    with transaction.atomic():
        purchase = Purchase.objects.select_for_update().select_related("transfer").get(pk=purchase.pk)
        if purchase.status != PurchaseStatus.ACTIVE:
            if purchase.status == PurchaseStatus.UNDONE:
                return purchase
            raise UndoRefused(_("This purchase was already refunded."))
        if now > undo_deadline(purchase):
            raise UndoRefused(_("The 10 minutes to undo this purchase have passed. Staff can still refund it."))
        if undos_left(reader=reader, now=now) <= 0:
            raise UndoRefused(_("You have used all your undos for now. Staff can still refund a purchase."))
        reversal = ledger.reverse(original=purchase.transfer, key=f"undo:{purchase.pk}", kind=TransferKind.UNDO,
                                  memo=f"undo of purchase {purchase.pk}")
        purchase.status, purchase.reversal, purchase.reversed_at = PurchaseStatus.UNDONE, reversal, now
        purchase.save(update_fields=["status", "reversal", "reversed_at"])
        return purchase


def refund_purchase(*, purchase_id: int, staff_user, reason: str = "") -> Purchase:
    """Staff refund at any time: the purchase transfer reversed into the reader's wallet; access ends."""
    with transaction.atomic():
        purchase = Purchase.objects.select_for_update().select_related("transfer").get(pk=purchase_id)
        if purchase.status != PurchaseStatus.ACTIVE:
            return purchase
        memo = f"refund of purchase {purchase.pk} by {staff_user}: {reason}"[:200]
        reversal = ledger.reverse(original=purchase.transfer, key=f"refund:{purchase.pk}", kind=TransferKind.REFUND,
                                  memo=memo)
        purchase.status, purchase.reversal, purchase.reversed_at = PurchaseStatus.REFUNDED, reversal, timezone.now()
        purchase.save(update_fields=["status", "reversal", "reversed_at"])
        return purchase

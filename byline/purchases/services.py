"""Buying one article from the wallet, undoing it, and staff refunds. Every write is one ledger transfer.

`unlock_with_wallet` is idempotent twice over: a repeat of its key returns the first purchase,
and an article the reader already owns is never charged again.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from byline.articles.models import Article, Visibility
from byline.ledger import services as ledger
from byline.ledger.models import AccountKind, TransferKind
from byline.mail import receipts
from byline.pricing.conversion import sold_currencies
from byline.pricing.selectors import currency_of
from byline.purchases.errors import (
    KeyReused,
    NotEnoughInWallet,
    NotForSale,
    PriceChanged,
    PurchaseRefused,
    UndoRefused,
)
from byline.purchases.models import Purchase, PurchaseStatus, RefundRequest, RefundRequestStatus
from byline.sharing.selectors import referrer_of
from byline.sharing.services import conversion_statement, end_gifts_from_purchase, record_conversion

MAX_KEY = 100

# Rules from apps above that may lower what one purchase charges (the fair-price cap, byline/subscriptions):
# each is called as `limit(reader=, article=, currency=, price_minor=)` inside the purchase's transaction,
# after the reader's wallet is locked (so every purchase of theirs sees the ones before it), and answers the
# most this purchase may charge. 0 means the reader holds the article already: nothing is charged.
# A rule may carry `probe(reader=, article=, currency=)`: (sql, params) of one scalar query answering whether it
# can lower this price at all (false: it is not called). The unlock reads the probes in the statement that locks
# the wallet (`ledger.accounts_locked`), so a writer with no cap costs the purchase no query for it.
PRICE_LIMITS: list = []
# Rules that may forbid undoing a purchase on its own (its price already went toward something else: a
# collection it was credited to, a month turned into a subscription): each is called as `guard(purchase=)`
# under the reader's and the purchase's row locks and answers a message for the reader, or "" / None.
# Apps above purchases add theirs in their AppConfig.ready.
UNDO_GUARDS: list = []


def split_price(price_minor: int) -> tuple[int, int]:
    """(author's share, platform fee) of a price; the author's share rounds down."""
    author = price_minor * settings.AUTHOR_SHARE_PERCENT // 100
    return author, price_minor - author


def commission_on(*, article: Article, author_share: int) -> int:
    """The author's `referral_percent` (at most 50) of their share of one sale."""
    return author_share * min(article.author.referral_percent, 50) // 100 if author_share > 0 else 0


def referral_commission(*, reader, article: Article, author_share: int) -> tuple[int | None, int]:
    """(referrer's user id, commission) for a sale: the author's `referral_percent` of their share, to the
    reader whose share brought the buyer (`sharing.selectors.referrer_of`). No query unless the author pays
    a commission."""
    commission = commission_on(article=article, author_share=author_share)
    if commission <= 0:
        return None, 0
    referrer_id = referrer_of(reader_id=reader.pk, article_id=article.pk, author_user_id=article.author.user_id)
    return (referrer_id, commission) if referrer_id else (None, 0)


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


def quote(*, article: Article, currency: str) -> int:
    """The article's price in `currency` now (pricing: the author's own price there, else converted)."""
    if currency not in sold_currencies():
        raise NotForSale(_("Prices are not offered in %(currency)s.") % {"currency": currency})
    return article.price_in(currency)


def charge_for(*, reader, article: Article, currency: str) -> int:
    """What unlocking would charge now: the price in `currency`, lowered by the PRICE_LIMITS rules (the
    fair-price cap). What the confirmation states; the purchase itself works it out again under its lock."""
    return _limited(reader=reader, article=article, currency=currency,
                    price_minor=quote(article=article, currency=currency))


def _limited(*, reader, article: Article, currency: str, price_minor: int, applies: list | None = None) -> int:
    """`price_minor` lowered by every PRICE_LIMITS rule (but those whose probe answered false in `applies`)."""
    for n, limit in enumerate(PRICE_LIMITS):
        if applies is not None and applies[n] is not None and not applies[n]:
            continue
        price_minor = min(price_minor, limit(reader=reader, article=article, currency=currency,
                                             price_minor=price_minor))
    return price_minor


def _probes(*, reader, article: Article, currency: str) -> list:
    """Each PRICE_LIMITS rule's probe query for this purchase (None for a rule without one)."""
    return [limit.probe(reader=reader, article=article, currency=currency) if hasattr(limit, "probe") else None
            for limit in PRICE_LIMITS]


def check_quote(*, price_minor: int, currency: str, quoted_minor: int | None) -> None:
    """Raise PriceChanged unless the price now is the one the reader was shown (`quoted_minor`, when given)."""
    if quoted_minor is not None and quoted_minor != price_minor:
        raise PriceChanged(price_minor=price_minor, currency=currency)


def unlock_with_wallet(*, reader, article: Article, idempotency_key: str, currency: str | None = None,
                       quoted_minor: int | None = None) -> Purchase:
    """Debit the reader's wallet by the article's price in `currency` (default: the reader's own) and
    credit the author and the platform in that currency, once.

    `quoted_minor` is the price the reader confirmed; if the price in `currency` is no longer that,
    PriceChanged is raised. Returns the purchase (the earlier one for a repeated key or an article
    already owned). Raises NotForSale, PriceChanged, NotEnoughInWallet (with `missing_minor`) or KeyReused
    (a key used before for another article) and changes nothing then.
    """
    key = "purchase:" + scoped_key(reader, idempotency_key)
    # The happy path reads no purchase: the unique key of the transfer and of the purchase, and the one
    # active purchase per reader and article, refuse a repeat inside the transaction, which then rolls
    # back whole; only a refusal looks for the purchase that stands (issue 23: fewer round trips).
    try:
        _check_for_sale(reader, article)
        currency = currency or currency_of(reader)
        price = quote(article=article, currency=currency)
        check_quote(price_minor=price, currency=currency, quoted_minor=quoted_minor)
    except PurchaseRefused:
        # A repeat of a key that went through stands, even if the article is no longer for sale at that price.
        existing = Purchase.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return _repeat_of(existing, article)
        raise
    # The referrer (if the author pays a commission) is known before the lock; the commission itself is worked
    # out on the price charged, which the cap may lower under the lock.
    referrer_id, listed_commission = referral_commission(reader=reader, article=article,
                                                         author_share=split_price(price)[0])
    accounts = [(AccountKind.WALLET, currency, reader), (AccountKind.EARNINGS, currency, article.author.user_id),
                (AccountKind.FEES, currency, None),
                *([(AccountKind.EARNINGS, currency, referrer_id)] if listed_commission else [])]
    try:
        try:
            return _charge(reader=reader, article=article, key=key, currency=currency, price=price,
                           accounts=accounts, referrer_id=referrer_id)
        except ledger.AccountsMissing:
            # A reader's first purchase or a writer's first sale in this currency: the accounts are made outside
            # the purchase's transaction (each commits at once: two purchases making two writers' accounts in
            # opposite order inside theirs would deadlock on them), then the purchase is tried again.
            ledger.accounts_for(accounts)
            return _charge(reader=reader, article=article, key=key, currency=currency, price=price,
                           accounts=accounts, referrer_id=referrer_id)
    except (IntegrityError, NotEnoughInWallet, NotForSale) as refused:
        # Nothing was written. The first purchase with this key stands; an article already owned is never
        # charged again (its purchase is the answer, as for a repeat).
        existing = (Purchase.objects.filter(idempotency_key=key).first()
                    or Purchase.objects.filter(reader=reader, article=article, status=PurchaseStatus.ACTIVE).first())
        if existing is not None:
            return _repeat_of(existing, article)
        if isinstance(refused, NotEnoughInWallet | NotForSale):
            raise
        raise NotForSale(_("You already own this article.")) from None


def _charge(*, reader, article: Article, key: str, currency: str, price: int, accounts: list,
            referrer_id: int | None) -> Purchase:
    """`unlock_with_wallet`'s transaction: lock the wallet, charge the price (as the rules lower it) and write
    the purchase. Raises IntegrityError (a repeat), NotEnoughInWallet, NotForSale or ledger.AccountsMissing,
    and writes nothing then."""
    with transaction.atomic():
        # The wallet lock serialises everything this reader buys in this currency, so the balance below cannot
        # change before the debit, and a repeat of the key waits here for the first. The accounts are found and
        # the price rules asked whether they apply in the same statement.
        # On PostgreSQL the share or gift that brought the reader here is credited in that statement too (issue 23:
        # it was a round trip after the commit): it commits with the purchase, and any refusal below rolls it back.
        one_statement = ledger.posts_in_one_statement()
        (wallet, earnings, fees, *referrer), locked, applies = ledger.accounts_locked(
            accounts, also=_probes(reader=reader, article=article, currency=currency),
            writes=[conversion_statement(reader_id=reader.pk, article_id=article.pk)] if one_statement else ())
        # Rules from above (the fair-price cap) see every earlier purchase of this reader's under the lock.
        price = _limited(reader=reader, article=article, currency=currency, price_minor=price, applies=applies)
        if price <= 0:
            raise NotForSale(_("This article is already yours this month: you have paid as much as a "
                               "month's subscription to its writer."))
        author_share, fee = split_price(price)
        commission = commission_on(article=article, author_share=author_share) if referrer else 0
        balance = locked[wallet.pk].balance
        if balance < price:
            raise NotEnoughInWallet(missing_minor=price - balance)
        legs = [ledger.Leg(wallet, -price), ledger.Leg(earnings, author_share - commission)]
        if commission:
            # A leg of the sale itself: an undo or refund (the transfer's mirror) takes it back with the rest.
            legs.append(ledger.Leg(referrer[0], commission))
        if fee:
            legs.append(ledger.Leg(fees, fee))
        # No savepoints: a repeated key (the transfer's unique key) or an article already bought (the
        # purchase's unique constraints) raises IntegrityError, and this block rolls back everything.
        purchase = Purchase(reader=reader, article=article, idempotency_key=key, price_minor=price, currency=currency,
                            author_share_minor=author_share - commission, platform_fee_minor=fee,
                            referrer_id=referrer_id if commission else None, commission_minor=commission)
        memo = f"article {article.pk}: {article.title}"[:200]
        if one_statement:
            # On PostgreSQL the transfer, its entries, the balances and the purchase row are one statement.
            # Its receipt's outbox row too (mail.models.ReceiptDue): no round trip to a task queue after the commit.
            posted = ledger.transfer(key=key, kind=TransferKind.PURCHASE, legs=legs, locked=locked, savepoints=False,
                                     memo=memo, row=_purchase_row(purchase),
                                     after_row=receipts.receipt_due_insert(language=receipts.request_language()))
            purchase.pk, purchase.transfer = posted.row_id, posted
            purchase._state.adding, purchase._state.db = False, transaction.get_connection().alias
            purchase.receipt_due_written = True
            # What `save()` would have announced (the receipt e-mail listens, and sends at once without workers).
            post_save.send(sender=Purchase, instance=purchase, created=True, update_fields=None, raw=False,
                           using=purchase._state.db)
        else:
            # SQLite: the purchase row is written before the balances, so the author's and the platform's busy
            # account rows are held only from their update to the commit.
            def write_purchase(posted) -> None:
                purchase.transfer = posted
                purchase.save(force_insert=True)

            ledger.transfer(key=key, kind=TransferKind.PURCHASE, legs=legs, locked=locked, savepoints=False,
                            memo=memo, before_balances=write_purchase)
            # SQLite: the share or gift that brought the reader here is credited once the purchase is certain
            # (one statement; robust: the purchase stands whatever becomes of this count).
            transaction.on_commit(lambda: record_conversion(reader=reader, article=article), robust=True)
        return purchase


# The purchase row inside the ledger's one statement (`ledger.transfer(row=...)`), pointing at `posted`.
_PURCHASE_FIELDS = ("reader_id", "article_id", "idempotency_key", "price_minor", "currency", "author_share_minor",
                    "platform_fee_minor", "status", "created_at", "referrer_id", "commission_minor")


def _purchase_row(purchase: Purchase) -> tuple[str, list]:
    sql = (f"INSERT INTO {Purchase._meta.db_table} ({', '.join(_PURCHASE_FIELDS)}, transfer_id) "
           f"SELECT {', '.join(['%s'] * len(_PURCHASE_FIELDS))}, posted.id FROM posted RETURNING id")
    connection = transaction.get_connection()
    return sql, [Purchase._meta.get_field(field).get_db_prep_save(getattr(purchase, field), connection)
                 for field in _PURCHASE_FIELDS]


def _repeat_of(first: Purchase, article: Article) -> Purchase:
    if first.article_id != article.pk:
        raise KeyReused()
    return first


def _lock_reader(reader_id: int) -> None:
    """Take the reader's user row lock, first, in every write that ends a purchase of theirs: their undos
    then count the allowance one at a time, and a gift link being made from the purchase
    (`sharing.services.create_gift_link`, which takes the same lock) is either made before the purchase
    ends, and ended with it, or refused after. Lock order: reader, purchase, ledger accounts, gifts."""
    list(get_user_model().objects.select_for_update().filter(pk=reader_id).values_list("pk", flat=True))


def undo_deadline(purchase: Purchase) -> dt.datetime:
    return purchase.created_at + dt.timedelta(seconds=settings.UNDO_WINDOW_SECONDS)


def undos_left(*, reader, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    since = now - dt.timedelta(days=settings.UNDO_LIMIT_DAYS)
    used = Purchase.objects.filter(reader=reader, status=PurchaseStatus.UNDONE, reversed_at__gte=since).count()
    return max(0, settings.UNDO_LIMIT - used)


def undo_guard_refusal(*, purchase: Purchase) -> str:
    """Why `purchase` may not be reversed on its own (the first UNDO_GUARDS rule that keeps it), or "": the one
    check behind an undo, a refund on request and a staff refund, since a purchase that a collection or a
    subscription was sold for less because of must stay while that discount does, whoever asks."""
    for guard in UNDO_GUARDS:
        refusal = guard(purchase=purchase)
        if refusal:
            return str(refusal)
    return ""


def check_undo_guards(*, purchase: Purchase) -> None:
    """Raise UndoRefused (code "credited") where `undo_guard_refusal` names a reason. Call it under the reader's
    and the purchase's row locks."""
    refusal = undo_guard_refusal(purchase=purchase)
    if refusal:
        raise UndoRefused(refusal, code="credited")


def undo_purchase(*, reader, purchase_id: int, now: dt.datetime | None = None) -> Purchase:
    """Reverse the reader's own purchase in full, within the undo window and the undo allowance; the gifts
    made from it end with it.

    Idempotent: undoing an already undone purchase returns it. Raises UndoRefused otherwise.
    """
    now = now or timezone.now()
    purchase = Purchase.objects.filter(pk=purchase_id, reader=reader).select_related("transfer").first()
    if purchase is None:
        raise UndoRefused(_("There is no such purchase of yours."), code="missing")
    if purchase.status == PurchaseStatus.UNDONE:
        return purchase
    with transaction.atomic():
        # One reader's undos queue up here, so the allowance is counted by one of them at a time.
        _lock_reader(reader.pk)
        purchase = Purchase.objects.select_for_update().select_related("transfer").get(pk=purchase.pk)
        if purchase.status != PurchaseStatus.ACTIVE:
            if purchase.status == PurchaseStatus.UNDONE:
                return purchase
            raise UndoRefused(_("This purchase was already refunded to your balance."), code="refunded")
        if now > undo_deadline(purchase):
            raise UndoRefused(_("The 10 minutes to undo this purchase have passed, so the purchase stands."),
                              code="window")
        check_undo_guards(purchase=purchase)
        if undos_left(reader=reader, now=now) <= 0:
            raise UndoRefused(_("You have used all your undos for now, so the purchase stands."), code="limit")
        reversal = ledger.reverse(original=purchase.transfer, key=f"undo:{purchase.pk}", kind=TransferKind.UNDO,
                                  memo=f"undo of purchase {purchase.pk}")
        purchase.status, purchase.reversal, purchase.reversed_at = PurchaseStatus.UNDONE, reversal, now
        purchase.save(update_fields=["status", "reversal", "reversed_at"])
        end_gifts_from_purchase(purchase_id=purchase.pk, now=now)  # the money went back: so do its gifts
        return purchase


def refund_purchase(*, purchase_id: int, staff_user, reason: str = "") -> Purchase:
    """Staff refund at any time: the purchase transfer reversed into the reader's wallet; access ends, and
    so do the gifts made from the purchase. The undo guards hold for staff too (UndoRefused, code
    "credited"): refund what the purchase was credited to first (the collection purchase, say)."""
    with transaction.atomic():
        reader_id = Purchase.objects.filter(pk=purchase_id).values_list("reader_id", flat=True).get()
        _lock_reader(reader_id)
        purchase = Purchase.objects.select_for_update().select_related("transfer").get(pk=purchase_id)
        if purchase.status != PurchaseStatus.ACTIVE:
            return purchase
        check_undo_guards(purchase=purchase)
        memo = f"refund of purchase {purchase.pk} by {staff_user}: {reason}"[:200]
        reversal = ledger.reverse(original=purchase.transfer, key=f"refund:{purchase.pk}", kind=TransferKind.REFUND,
                                  memo=memo)
        purchase.status, purchase.reversal, purchase.reversed_at = PurchaseStatus.REFUNDED, reversal, timezone.now()
        purchase.save(update_fields=["status", "reversal", "reversed_at"])
        end_gifts_from_purchase(purchase_id=purchase.pk, now=purchase.reversed_at)
        return purchase


def refund_hours_for(article: Article) -> int:
    """Hours after a purchase in which its buyer may refund it themselves: the article's own, else its author's,
    else the site's (`REFUND_ON_REQUEST_HOURS`), never more than `REFUND_ON_REQUEST_MAX_HOURS`."""
    hours = article.refund_hours
    if hours is None:
        hours = article.author.refund_hours or settings.REFUND_ON_REQUEST_HOURS
    return max(0, min(hours, settings.REFUND_ON_REQUEST_MAX_HOURS))


def refund_deadline(purchase: Purchase) -> dt.datetime | None:
    """Until when the buyer may refund this purchase themselves; None where the article allows no such refund."""
    hours = refund_hours_for(purchase.article)
    return purchase.created_at + dt.timedelta(hours=hours) if hours else None


def refunds_left(*, reader, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    since = now - dt.timedelta(days=settings.REFUND_ON_REQUEST_LIMIT_DAYS)
    used = Purchase.objects.filter(reader=reader, status=PurchaseStatus.RETURNED, reversed_at__gte=since).count()
    return max(0, settings.REFUND_ON_REQUEST_LIMIT - used)


def may_refund_on_request(*, reader, purchase: Purchase, now: dt.datetime | None = None) -> bool:
    """Whether the refund page offers "Refund it now" (the service decides again under the locks)."""
    now = now or timezone.now()
    deadline = refund_deadline(purchase)
    return (purchase.status == PurchaseStatus.ACTIVE and deadline is not None and now <= deadline
            and refunds_left(reader=reader, now=now) > 0
            and not undo_guard_refusal(purchase=purchase))


def refund_on_request(*, reader, purchase_id: int, now: dt.datetime | None = None) -> Purchase:
    """The buyer refunds their own purchase after the undo window, within the hours the article allows and the
    reader's allowance: the purchase transfer reversed into their wallet (the referral commission and the
    gifts made from it go with it), as an undo is. Idempotent; raises UndoRefused (code: missing, refunded,
    window, credited, limit)."""
    now = now or timezone.now()
    with transaction.atomic():
        # The reader's lock first, as undo takes it: their refunds count the allowance one at a time, and an
        # undo and a refund of one purchase cannot both reverse it.
        _lock_reader(reader.pk)
        purchase = (Purchase.objects.select_for_update(of=("self",)).select_related("transfer", "article__author")
                    .filter(pk=purchase_id, reader=reader).first())
        if purchase is None:
            raise UndoRefused(_("There is no such purchase of yours."), code="missing")
        if purchase.status == PurchaseStatus.RETURNED:
            return purchase
        if purchase.status != PurchaseStatus.ACTIVE:
            raise UndoRefused(_("This purchase was already refunded to your balance."), code="refunded")
        deadline = refund_deadline(purchase)
        if deadline is None or now > deadline:
            raise UndoRefused(_("The time to refund this purchase yourself has passed, so the purchase stands."),
                              code="window")
        check_undo_guards(purchase=purchase)
        if refunds_left(reader=reader, now=now) <= 0:
            raise UndoRefused(_("You have used all your refunds for now, so the purchase stands."), code="limit")
        reversal = ledger.reverse(original=purchase.transfer, key=f"return:{purchase.pk}", kind=TransferKind.REFUND,
                                  memo=f"refund on request of purchase {purchase.pk}")
        purchase.status, purchase.reversal, purchase.reversed_at = PurchaseStatus.RETURNED, reversal, now
        purchase.save(update_fields=["status", "reversal", "reversed_at"])
        end_gifts_from_purchase(purchase_id=purchase.pk, now=now)
        return purchase


def request_refund(*, reader, purchase_id: int, reason: str) -> RefundRequest:
    """Ask staff to refund one of the reader's purchases (after the undo window). Moves no money; one open
    request per purchase (asking again returns it). Raises UndoRefused for a purchase that is not active."""
    purchase = Purchase.objects.filter(pk=purchase_id, reader=reader).first()
    if purchase is None:
        raise UndoRefused(_("There is no such purchase of yours."), code="missing")
    if purchase.status != PurchaseStatus.ACTIVE:
        raise UndoRefused(_("This purchase was already refunded to your balance."), code="refunded")
    existing = RefundRequest.objects.filter(purchase=purchase, status=RefundRequestStatus.OPEN).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return RefundRequest.objects.create(purchase=purchase, reader=reader, reason=reason.strip()[:2000])
    except IntegrityError:  # the same request, sent from a second tab a moment ago
        return RefundRequest.objects.get(purchase=purchase, status=RefundRequestStatus.OPEN)


def answer_refund_request(*, request_id: int, staff_user, refund: bool) -> RefundRequest:
    """Staff's answer: refund the purchase (a reversing transfer, `refund_purchase`) or decline."""
    with transaction.atomic():
        asked = RefundRequest.objects.select_for_update().get(pk=request_id)
        if asked.status != RefundRequestStatus.OPEN:
            return asked
        if refund:
            refund_purchase(purchase_id=asked.purchase_id, staff_user=staff_user,
                            reason=f"refund request {asked.pk}")
        asked.status = RefundRequestStatus.REFUNDED if refund else RefundRequestStatus.DECLINED
        asked.answered_at = timezone.now()
        asked.save(update_fields=["status", "answered_at"])
        return asked

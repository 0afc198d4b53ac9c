"""Giving a tip from the wallet, and undoing it within the purchase undo window.

`tip_from_wallet` is idempotent by key: a repeat returns the first tip, and a key used for another tip is
refused. The reader's wallet row is locked first (as a purchase locks it), so concurrent tips from one
wallet queue up there and none of them can spend what another already spent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from byline.articles import page_cache
from byline.articles.models import Article
from byline.core.text_input import TextRefused, normalise_text
from byline.ledger import services as ledger
from byline.ledger.models import AccountKind, TransferKind
from byline.pricing.conversion import sold_currencies
from byline.tips import selectors
from byline.tips.errors import NotEnoughForTip, TipKeyReused, TipRefused, TipUndoRefused
from byline.tips.models import Tip, TipSettings, TipStatus

MAX_KEY = 100
MAX_MESSAGE = 280


def split_tip(amount_minor: int) -> tuple[int, int]:
    """(writer's share, platform fee) of a tip; the fee rounds down, so the writer never gets less."""
    fee = amount_minor * settings.TIP_FEE_PERCENT // 100
    return amount_minor - fee, fee


def _scoped_key(tipper: Any, idempotency_key: str) -> str:
    key = (idempotency_key or "").strip()
    if not key or len(key) > MAX_KEY:
        raise TipRefused(_("This form has expired. Please reload the page and try again."), code="key")
    return f"tip:r{tipper.pk}:{key}"


def _repeat_of(first: Tip, article: Article, amount_minor: int, currency: str) -> Tip:
    if (first.article_id, first.amount_minor, first.currency) != (article.pk, amount_minor, currency):
        raise TipKeyReused(code="key_reused")
    return first


def clean_message(message: str) -> str:
    """The tipper's message as it is kept: normalised where it enters (CRLF to LF, no controls), at most
    MAX_MESSAGE characters. A NUL is refused (the form refuses it first; this guards other callers)."""
    try:
        return normalise_text(message or "").strip()[:MAX_MESSAGE]
    except TextRefused as refused:
        raise TipRefused(str(refused), code="invalid") from None


def check_amount(*, amount_minor: int, currency: str) -> None:
    if currency not in sold_currencies():
        raise TipRefused(_("Tips are not taken in %(currency)s.") % {"currency": currency}, code="currency")
    low, high = selectors.limits(currency)
    if not low <= amount_minor <= high:
        raise TipRefused(_("Please choose an amount within the limits shown."), code="amount")


def tip_from_wallet(*, tipper: Any, article: Article, amount_minor: int, currency: str, idempotency_key: str,
                    message: str = "", anonymous: bool = False) -> Tip:
    """Move `amount_minor` from the tipper's wallet in `currency` to the article's writer (less the platform's
    tip fee), once per key. Raises TipRefused (NotEnoughForTip, TipKeyReused) and changes nothing then."""
    key = _scoped_key(tipper, idempotency_key)
    existing = Tip.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return _repeat_of(existing, article, amount_minor, currency)
    if not article.is_live or not selectors.accepts_tips(article):
        raise TipRefused(_("The writer of this article does not take tips."), code="closed")
    if article.author.user_id == tipper.pk:
        raise TipRefused(_("You cannot tip yourself."), code="self")
    check_amount(amount_minor=amount_minor, currency=currency)
    message = clean_message(message)
    wallet, earnings, fees = ledger.accounts_for([
        (AccountKind.WALLET, currency, tipper), (AccountKind.EARNINGS, currency, article.author.user_id),
        (AccountKind.FEES, currency, None)])
    share, fee = split_tip(amount_minor)
    with transaction.atomic():
        locked = ledger.lock_accounts([wallet])
        existing = Tip.objects.filter(idempotency_key=key).first()
        if existing is not None:  # the same key, finished while this request waited on the wallet
            return _repeat_of(existing, article, amount_minor, currency)
        if locked[wallet.pk].balance < amount_minor:
            raise NotEnoughForTip(code="balance")
        legs = [ledger.Leg(wallet, -amount_minor), ledger.Leg(earnings, share)]
        if fee:
            legs.append(ledger.Leg(fees, fee))
        posted = ledger.transfer(key=key, kind=TransferKind.TIP, legs=legs,
                                 memo=f"tip on article {article.pk}: {article.title}"[:200])
        try:
            with transaction.atomic():
                tip = Tip.objects.create(tipper=tipper, article=article, amount_minor=amount_minor, currency=currency,
                                         writer_share_minor=share, fee_minor=fee, message=message,
                                         anonymous=anonymous, idempotency_key=key, transfer=posted)
        except IntegrityError:
            raise TipKeyReused(code="key_reused") from None
        page_cache.parts_changed(article.slug)  # "N readers tipped"
        return tip


def undo_deadline(tip: Tip) -> dt.datetime:
    return tip.created_at + dt.timedelta(seconds=settings.UNDO_WINDOW_SECONDS)


def undo_tip(*, tipper: Any, tip_id: int, now: dt.datetime | None = None) -> Tip:
    """Give the whole tip back to the tipper's wallet, within the purchase undo window. Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        tip = Tip.objects.select_for_update().filter(pk=tip_id, tipper_id=tipper.pk).select_related(
            "transfer", "article").first()
        if tip is None:
            raise TipUndoRefused(_("There is no such tip of yours."), code="missing")
        if tip.status == TipStatus.UNDONE:
            return tip
        if now > undo_deadline(tip):
            raise TipUndoRefused(_("The 10 minutes to undo this tip have passed, so the tip stands."), code="window")
        reversal = ledger.reverse(original=tip.transfer, key=f"tip-undo:{tip.pk}", kind=TransferKind.TIP_UNDO,
                                  memo=f"undo of tip {tip.pk}")
        tip.status, tip.reversal, tip.reversed_at = TipStatus.UNDONE, reversal, now
        tip.save(update_fields=["status", "reversal", "reversed_at"])
        page_cache.parts_changed(tip.article.slug)
        return tip


def set_accepts_tips(*, author, accepts: bool) -> None:
    TipSettings.objects.update_or_create(author=author, defaults={"accepts_tips": accepts})
    for slug in Article.objects.filter(author=author).values_list("slug", flat=True):
        page_cache.parts_changed(slug)

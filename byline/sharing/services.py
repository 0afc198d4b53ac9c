"""Writes for sharing: referral codes and events, gift links and their redemption.

Limits are enforced under row locks inside transactions: a giver's monthly quota by locking the
giver's user row, a gift's redemptions by locking the gift row. The database also refuses a
redemption count above the limit (a check constraint), so a bug cannot overspend a gift.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from byline.access.decision import Reason, decide
from byline.accounts.backends import cache_name
from byline.articles.models import Article
from byline.core import local_cache, read_ahead
from byline.sharing import conf
from byline.sharing.grants import hash_browser_key
from byline.sharing.models import (
    CONVERSION_KINDS,
    Channel,
    EventKind,
    GiftLink,
    GiftRedemption,
    GiftStatus,
    ReferralCode,
    ReferralEvent,
)

GIFT_REASONS = (Reason.AUTHOR, Reason.STAFF, Reason.PURCHASE, Reason.MEMBERSHIP)


def code_for(*, sharer_id: int | None, channel: str) -> str:
    """The referral code of (sharer, channel): 8 URL-safe characters, derived with a keyed hash, so
    it needs no query to compute, reveals nothing about the sharer, and cannot be guessed for another."""
    return _code(settings.SECRET_KEY, sharer_id or 0, str(channel))


@functools.lru_cache(maxsize=65_536)  # a pure function, asked six times on every signed-in article page
def _code(secret: str, sharer_id: int, channel: str) -> str:
    digest = hmac.new(secret.encode(), f"referral:{sharer_id}:{channel}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:5]).decode().lower()


def referral_codes_for(*, sharer: Any = None) -> dict[str, str]:
    """Every channel's referral code for this sharer (None or anonymous: the site's own codes).

    The codes are stored (so a visit's code maps back to sharer and channel) once per sharer; the
    cache remembers that, so a page render costs no query after the sharer's first.
    """
    sharer_id = sharer.pk if sharer is not None and getattr(sharer, "is_authenticated", False) else None
    codes = {channel: code_for(sharer_id=sharer_id, channel=channel) for channel in Channel.values}
    cache_key = f"sharing:codes-stored:{sharer_id or 'anon'}"
    if local_cache.versioned.get(cache_key):
        return codes
    if not cache.get(cache_key):
        ReferralCode.objects.bulk_create(
            [ReferralCode(code=code, sharer_id=sharer_id, channel=channel) for channel, code in codes.items()],
            ignore_conflicts=True,
        )
        cache.set(cache_key, True, 24 * 3600)
    local_cache.versioned.set(cache_key, True)
    return codes


def referral_code(*, sharer: Any, channel: str) -> ReferralCode:
    code = referral_codes_for(sharer=sharer)[channel]
    referral = ReferralCode.objects.filter(code=code).first()
    if referral is None:  # stored once, but removed since (the cache outlived it): store it again
        sharer_id = sharer.pk if sharer is not None and getattr(sharer, "is_authenticated", False) else None
        referral, _ = ReferralCode.objects.get_or_create(sharer_id=sharer_id, channel=channel,
                                                         defaults={"code": code})
    return referral


def record_share(*, article: Article, channel: str, sharer: Any = None) -> ReferralEvent:
    """Count one share of `article` through `channel` (the panel's links and buttons call this)."""
    referral = referral_code(sharer=sharer, channel=channel)
    return ReferralEvent.objects.create(article=article, referral=referral, kind=EventKind.SHARE)


def record_visit(*, article: Article, code: str, reader: Any = None) -> ReferralEvent | None:
    """Count a visit that arrived with `?r=code`; None when the code is unknown or the sharer is the visitor."""
    referral = ReferralCode.objects.filter(code=code).first()
    if referral is None:
        return None
    signed_in = reader is not None and getattr(reader, "is_authenticated", False)
    if signed_in and referral.sharer_id == reader.pk:
        return None
    if signed_in and ReferralEvent.objects.filter(
        reader_id=reader.pk, article=article, referral=referral, kind=EventKind.VISIT,
        created_at__gte=timezone.now() - dt.timedelta(days=conf.attribution_days()),
    ).exists():
        return None  # the same reader coming back through the same link this week is not a new visit
    return ReferralEvent.objects.create(article=article, referral=referral, kind=EventKind.VISIT,
                                        reader=reader if signed_in else None)


def claim_visits(*, reader: Any, event_ids: list[int]) -> int:
    """Attach a reader who has just signed in to the anonymous visits their own browser made this week."""
    since = timezone.now() - dt.timedelta(days=conf.attribution_days())
    return ReferralEvent.objects.filter(
        pk__in=event_ids[:50], kind=EventKind.VISIT, reader__isnull=True, created_at__gte=since,
    ).update(reader=reader)


def record_conversion(*, reader: Any, article: Article, kind: str = EventKind.PURCHASE) -> ReferralEvent | None:
    """Attribute a purchase (or membership) to the channel of the reader's latest referred visit or gift
    of this article within the attribution window (7 days). The money app calls this after a purchase;
    None when nothing referred the reader.
    """
    now = timezone.now()
    sql, params = conversion_statement(reader_id=reader.pk, article_id=article.pk, kind=kind, now=now)
    # One statement (issue 23: it follows every purchase, and most readers came by no one's link): the look-up of
    # the latest referred visit and the new event's insert, which writes nothing when there is none.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    event = ReferralEvent(pk=row[0], article=article, referral_id=row[1], kind=kind, reader_id=reader.pk,
                          created_at=now)
    event._state.adding, event._state.db = False, connection.alias
    return event


def conversion_statement(*, reader_id: int, article_id: int, kind: str = EventKind.PURCHASE,
                         now: dt.datetime | None = None) -> tuple[str, list]:
    """(sql, params) of `record_conversion`'s one statement (an INSERT ... SELECT answering the new event's id and
    referral id, or no row), for a caller that sends it inside a statement of its own: the wallet unlock writes it
    in the statement that locks the wallet, so the count commits, or rolls back, with the purchase (issue 23)."""
    if kind not in CONVERSION_KINDS:
        raise ValueError(f"unknown conversion kind {kind!r}")
    now = now or timezone.now()
    since = now - dt.timedelta(days=conf.attribution_days())
    adapt = connection.ops.adapt_datetimefield_value
    return (_CONVERSION_SQL.format(event=ReferralEvent._meta.db_table),
            [article_id, kind, reader_id, adapt(now), reader_id, article_id, adapt(since),
             EventKind.VISIT.value, EventKind.REDEMPTION.value])


_CONVERSION_SQL = " ".join("""
INSERT INTO {event} (article_id, referral_id, kind, reader_id, created_at)
SELECT %s, referral_id, %s, %s, %s FROM {event}
WHERE reader_id = %s AND article_id = %s AND created_at >= %s AND kind IN (%s, %s)
ORDER BY created_at DESC, id DESC LIMIT 1
RETURNING id, referral_id
""".split())


# Gift links ---------------------------------------------------------------------------------------

def month_start(now: dt.datetime) -> dt.datetime:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def gifts_left_this_month(*, giver: Any, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    used = GiftLink.objects.filter(giver_id=giver.pk, created_at__gte=month_start(now)).count()
    return max(0, conf.gift_monthly_quota() - used)


def gifts_left_key(*, giver_id: int, now: dt.datetime) -> str:
    return gifts_left_key_for_name(cache_name(giver_id), now=now)


def gifts_left_key_for_name(name: str, *, now: dt.datetime) -> str:
    """Named by the giver's cache name (accounts/backends.py), so a page can read it ahead."""
    return f"sharing:gifts-left:{name}:{now:%Y%m}"


def gifts_left_for_display(*, giver: Any, now: dt.datetime | None = None) -> int:
    """The month's remaining gift links, as the share panel shows them: cached, so a page view costs
    no query. `create_gift_link` checks the exact number under a lock and clears this cache."""
    now = now or timezone.now()
    key = gifts_left_key(giver_id=giver.pk, now=now)
    left = read_ahead.get(key)
    if left is None:
        left = gifts_left_this_month(giver=giver, now=now)
        cache.set(key, left, 3600)
    return left


def create_gift_link(*, giver: Any, article: Article, now: dt.datetime | None = None) -> GiftLink:
    """A new gift link for `article`, from a reader who may read it in full (not through a gift).

    The gift records where the giver's access came from (`GiftLink.source`), so that it ends with the
    purchase it came from. Raises ValidationError (code: not_available, free, no_access or quota) with a
    message for the reader.
    """
    now = now or timezone.now()
    if not article.is_live:
        raise ValidationError(_("This article is not published, so it cannot be given."), code="not_available")
    if article.is_free:
        raise ValidationError(_("This article is free to read: share its link instead of a gift."), code="free")
    with transaction.atomic():
        # One giver's gift creations queue up here, so two tabs cannot both take the last one. Undoing or
        # refunding a purchase takes the same lock first (purchases.services), so the access decided below
        # still holds when the gift is made, or the purchase's end comes after and ends this gift too.
        get_user_model().objects.select_for_update().filter(pk=giver.pk).first()
        access = decide(giver, article)
        if not access.allowed or access.reason not in GIFT_REASONS:
            raise ValidationError(_("Only readers who have this article (by purchase, membership or authorship) "
                                    "can give it."), code="no_access")
        if gifts_left_this_month(giver=giver, now=now) <= 0:
            raise ValidationError(
                _("You have used all %(quota)d gift links for this month. New ones become available on the "
                  "first of next month.") % {"quota": conf.gift_monthly_quota()}, code="quota")
        gift = GiftLink.objects.create(
            token=secrets.token_urlsafe(16), article=article, giver_id=giver.pk,
            max_redemptions=conf.gift_max_redemptions(), expires_at=now + dt.timedelta(days=conf.gift_days()),
            created_at=now, source=access.reason,
            source_ref=access.ref if access.reason == Reason.PURCHASE else None,
        )
        transaction.on_commit(lambda: cache.delete(gifts_left_key(giver_id=giver.pk, now=now)))
        return gift


def end_gifts_from_purchase(*, purchase_id: int, now: dt.datetime | None = None) -> int:
    """End every gift made from this purchase, for everyone: the purchase was undone or refunded.

    Called by purchases.services inside the transaction that ends the purchase (which holds the
    giver's row lock, as `create_gift_link` does). Returns how many gifts it ended.
    """
    return GiftLink.objects.filter(source=Reason.PURCHASE, source_ref=purchase_id, ended_at__isnull=True).update(
        ended_at=now or timezone.now())


def revoke_gift_link(*, giver: Any, gift_id: int) -> GiftLink:
    with transaction.atomic():
        gift = GiftLink.objects.select_for_update().filter(pk=gift_id, giver_id=giver.pk).first()
        if gift is None:
            raise ValidationError(_("There is no such gift link among yours."), code="not_found")
        if gift.revoked_at is None:
            gift.revoked_at = timezone.now()
            gift.save(update_fields=["revoked_at"])
        return gift


# What a visit comes to, besides a GiftStatus: the visitor may open the gift (and has not yet), has just
# opened it, holds it already, or can read the article without it.
OFFERED, GRANTED, KEPT, OWN = "offered", "granted", "kept", "own"
# While a gift is in these states, a browser that opened it still holds it (see grants.gift_grant_is_valid).
_BROWSER_HOLDS = (GiftStatus.ACTIVE, GiftStatus.USED_UP)


@dataclass(frozen=True)
class Redemption:
    """What a visit to a gift link came to. Whether the reader now reads the article is still `decide`'s call."""

    gift: GiftLink
    status: str  # a GiftStatus, or OFFERED / GRANTED / KEPT / OWN
    browser_key: str | None = None  # the anonymous browser's key, when it was just given access


def _gifts():
    return GiftLink.objects.select_related("giver", "article__author", "article__topic")


def gift_by_token(token: str) -> GiftLink | None:
    return _gifts().filter(token=token).first()


def look_at_gift_link(*, token: str, recipient: Any = None, browser_key: str | None = None) -> Redemption | None:
    """A visit that takes no use (a GET of the link): what the visitor may do, and nothing else written,
    except this: a signed-in reader whose browser opened the gift while signed out now keeps it in their
    account (no use is taken). OFFERED means the visitor may open it with `redeem_gift_link`.
    None when no gift has this token."""
    return _answer(token, recipient, browser_key, take_a_use=False)


def redeem_gift_link(*, token: str, recipient: Any = None, browser_key: str | None = None,
                     new_browser_key: str | None = None) -> Redemption | None:
    """Give the recipient (a signed-in reader, or the browser holding `browser_key`) the gift's article:
    the visitor has asked for it (the gift page's button, a POST).

    Each distinct recipient takes one use; the same recipient coming back takes none; a reader who
    can already read the article takes none. An anonymous browser without a key is given
    `new_browser_key`. None when no gift has this token.
    """
    return _answer(token, recipient, browser_key, take_a_use=True, new_browser_key=new_browser_key)


def _answer(token: str, recipient: Any, browser_key: str | None, *, take_a_use: bool,
            new_browser_key: str | None = None) -> Redemption | None:
    """A visit that changes nothing (the gift has ended, is removed, expired or used up, this visitor
    already holds it, or only looks) is answered from a plain read. Only a visit that writes takes the
    gift's row lock, where the answer is worked out again: the lock is what keeps two new visitors from
    both taking the last use, and without it the many late visitors of a link shared in a group chat
    would queue behind each other."""
    reader = recipient if getattr(recipient, "is_authenticated", False) else None
    key_hash = hash_browser_key(browser_key) if browser_key else None
    gift = gift_by_token(token)
    if gift is None:
        return None
    outcome = _visit(gift, reader, key_hash)
    if isinstance(outcome, Redemption):
        return outcome
    if outcome is _GRANT and not take_a_use:
        return Redemption(gift, OFFERED)
    with transaction.atomic():
        gift = _gifts().select_for_update(of=("self",)).get(pk=gift.pk)
        outcome = _visit(gift, reader, key_hash)
        if isinstance(outcome, Redemption):
            return outcome
        if isinstance(outcome, GiftRedemption):
            # The browser that opened it has signed in while the gift lives: the reader now keeps it,
            # at no extra use.
            outcome.recipient_id = reader.pk
            outcome.save(update_fields=["recipient"])
            return Redemption(gift, KEPT)
        if not take_a_use:
            return Redemption(gift, OFFERED)
        given_key = None
        if reader is None:
            given_key = browser_key or new_browser_key
            key_hash = hash_browser_key(given_key)
        try:
            with transaction.atomic():
                GiftRedemption.objects.create(gift=gift, recipient_id=reader.pk if reader else None,
                                              browser_key_hash=key_hash or "")
        except IntegrityError:
            return Redemption(gift, KEPT)
        gift.redemption_count += 1
        gift.save(update_fields=["redemption_count"])
        _record_redemption_event(gift, reader)
        return Redemption(gift, GRANTED, browser_key=given_key)


_GRANT = object()


def _visit(gift: GiftLink, reader: Any, key_hash: str | None) -> Redemption | GiftRedemption | object:
    """What this visit comes to, without writing: an answer (a Redemption); the visitor's anonymous
    redemption for a reader who has since signed in (to attach to them); or _GRANT, a new use."""
    status = gift.status()
    if status == GiftStatus.REMOVED or not gift.article.is_live:
        return Redemption(gift, GiftStatus.REMOVED)
    if status == GiftStatus.ENDED:
        return Redemption(gift, status)  # for everyone, whatever they held
    if reader is not None:
        access = decide(reader, gift.article)
        if access.allowed:
            return Redemption(gift, OWN if access.reason != Reason.GIFT else KEPT)
    mine = Q(recipient_id=reader.pk) if reader is not None else Q(pk__in=[])
    if key_hash:
        mine |= Q(browser_key_hash=key_hash)
    existing = gift.redemptions.filter(mine).first()
    if existing is not None:
        if status not in _BROWSER_HOLDS:
            # A browser's hold ended with the link (withdrawn or expired): signing in cannot bring it back.
            return Redemption(gift, status)
        if reader is not None and existing.recipient_id is None:
            return existing
        return Redemption(gift, KEPT)
    if status != GiftStatus.ACTIVE:
        return Redemption(gift, status)
    return _GRANT


def _record_redemption_event(gift: GiftLink, reader: Any) -> None:
    referral = referral_code(sharer=gift.giver, channel=Channel.GIFT)
    ReferralEvent.objects.create(article_id=gift.article_id, referral=referral, kind=EventKind.REDEMPTION,
                                 reader=reader)

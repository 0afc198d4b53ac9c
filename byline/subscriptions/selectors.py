"""Reads: what an author subscription and the fair-price cap open (for the access decision), a writer's
prices, a reader's subscriptions, and which offer a reader may take."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from byline.core.local_cache import LocalCache
from byline.purchases.models import Interval
from byline.subscriptions.fair_price import paid_subquery
from byline.subscriptions.models import (
    AuthorPrice,
    AuthorSubscription,
    Offer,
    OfferKind,
    Redemption,
    SubscriptionStatus,
)

AUTHOR_SUBSCRIPTION, FAIR_PRICE = "author_subscription", "fair_price"


def entitlement_conditions(reader: Any, now: dt.datetime) -> dict[str, Exists]:
    """A live subscription to the article's writer opens it; so does the writer's monthly price reached
    this month by the reader's single purchases of that writer's articles (in any one currency).

    Both are conditions over an article row, for access.entitlements. Nothing here names another writer:
    a cap reached with one writer opens none of anyone else's articles."""
    subscribed = AuthorSubscription.objects.filter(reader_id=reader.pk, author_id=OuterRef("author_id"),
                                                   status=SubscriptionStatus.ACTIVE, period_end__gt=now)
    capped = AuthorPrice.objects.filter(author_id=OuterRef("author_id"), interval=Interval.MONTH, active=True).alias(
        paid=paid_subquery(reader_id=reader.pk, author_ref=OuterRef("author_id"), currency_ref=OuterRef("currency"),
                           now=now)).filter(paid__gte=F("price_minor"))
    return {AUTHOR_SUBSCRIPTION: Exists(subscribed), FAIR_PRICE: Exists(capped)}


def prices_of(*, author_id: int, currency: str | None = None, active_only: bool = True) -> list[AuthorPrice]:
    rows = AuthorPrice.objects.filter(author_id=author_id)
    if active_only:
        rows = rows.filter(active=True)
    if currency:
        rows = rows.filter(currency=currency)
    return sorted(rows, key=lambda row: (row.currency, row.interval != Interval.MONTH))


def price_for(*, author_id: int, interval: str, currency: str) -> AuthorPrice | None:
    return AuthorPrice.objects.filter(author_id=author_id, interval=interval, currency=currency, active=True).first()


def active_subscription(*, reader: Any, author_id: int, now: dt.datetime | None = None) -> AuthorSubscription | None:
    if not getattr(reader, "is_authenticated", False):
        return None
    now = now or timezone.now()
    return AuthorSubscription.objects.filter(reader=reader, author_id=author_id, status=SubscriptionStatus.ACTIVE,
                                             period_end__gt=now).first()


def subscriptions_of(*, reader: Any, limit: int = 200) -> list[AuthorSubscription]:
    return list(AuthorSubscription.objects.filter(reader=reader).select_related("author")
                .order_by("status", "-period_end")[:limit])


def redeemable(*, offer: Offer, reader: Any, now: dt.datetime | None = None) -> bool:
    """Whether `reader` may take `offer` now: live, within its dates and limit, not taken by them before."""
    now = now or timezone.now()
    if not offer.active or offer.starts_at > now or (offer.ends_at is not None and offer.ends_at <= now):
        return False
    if offer.max_redemptions is not None and offer.redeemed >= offer.max_redemptions:
        return False
    return not Redemption.objects.filter(offer=offer, reader_id=reader.pk).exists()


def offer_by_code(*, code: str, target: str, author_id: int | None = None,
                  collection_id: int | None = None) -> Offer | None:
    code = (code or "").strip()
    if not code or len(code) > 40 or "\x00" in code:
        return None
    found = Offer.objects.filter(code__iexact=code, target=target, retention=False)
    if author_id is not None:
        found = found.filter(author_id=author_id)
    if collection_id is not None:
        found = found.filter(collection_id=collection_id)
    return found.first()


def offer_by_token(token: str) -> Offer | None:
    token = (token or "").strip()
    if not token or len(token) > 40 or "\x00" in token:
        return None
    return Offer.objects.filter(token=token, retention=False).select_related("author", "collection").first()


def offered_at_renewal(subscription: AuthorSubscription) -> bool:
    """Whether a retention offer can be kept for this subscription: only where its next charge is ours to make
    (the wallet renews it). A card subscription is charged by its provider on the provider's own date and at
    its own amount, and no provider here can move or lower a running subscription's next charge, so a free
    trial or a discount offered there would be one in our records only: the card would still be charged."""
    from byline.purchases.models import RenewVia

    return subscription.renew_via != RenewVia.CARD


def retention_offer(*, subscription: AuthorSubscription, now: dt.datetime | None = None) -> Offer | None:
    """The writer's retention offer the subscriber may still take, if any (shown when they cancel). None for a
    subscription a card renews (`offered_at_renewal`)."""
    now = now or timezone.now()
    if not offered_at_renewal(subscription):
        return None
    for offer in Offer.objects.filter(target="author", author_id=subscription.author_id, retention=True,
                                      active=True).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))[:5]:
        if offer.kind == OfferKind.FIXED and offer.currency != subscription.currency:
            continue  # an amount off in another currency takes nothing off this subscription
        if redeemable(offer=offer, reader=subscription.reader, now=now):
            return offer
    return None


def offers_of(*, author_id: int) -> list[Offer]:
    return list(Offer.objects.filter(author_id=author_id).order_by("-created_at")[:100])


# A writer's offered prices as {currency: {interval: price}}, remembered by each process for a minute: the
# article page asks on every paywall, and most writers offer none. Only what the page shows comes from it;
# every charge reads the prices afresh.
_offered = LocalCache(size=20_000, ttl=60)


def offered_prices(author_id: int) -> dict[str, dict[str, int]]:
    key = str(author_id)
    found = _offered.get(key)
    if found is None:
        found = _load(author_id)
        _offered.set(key, found)
    return found


def forget_offered_prices(author_id: int) -> None:
    """After a writer changes prices: this process sees them at once (others within the minute)."""
    _offered.set(str(author_id), _load(author_id))


# Read with the article's stamp (articles.selectors.STAMP_ANNOTATIONS): an article page of a writer who offers
# no subscription asks nothing more for the subscription note. `services.set_price` forgets the stamps.
STAMP_ANNOTATIONS = {
    "subscription_offered": lambda: Exists(AuthorPrice.objects.filter(author_id=OuterRef("author_id"), active=True)),
}


def _load(author_id: int) -> dict[str, dict[str, int]]:
    loaded: dict[str, dict[str, int]] = {}
    for interval, currency, price in AuthorPrice.objects.filter(author_id=author_id, active=True).values_list(
            "interval", "currency", "price_minor"):
        loaded.setdefault(currency, {})[interval] = price
    return loaded

"""Reads: what a reader holds through collection purchases (for the access decision), a collection's
parts and prices, and where an article stands in its collection ("Part 3 of 12")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Subquery

from byline.articles.models import LIVE_STATUSES, Article
from byline.collections.models import (
    Collection,
    CollectionCredit,
    CollectionItem,
    CollectionPurchase,
    CollectionPurchaseStatus,
)
from byline.purchases.models import Purchase, PurchaseStatus

COLLECTION = "collection"
MAX_PARTS = 500  # a bound on a collection's length, so its page and its credit stay one small query each


def entitlement_conditions(reader: Any, now: dt.datetime) -> dict[str, Subquery]:
    """An active collection purchase of the reader's opens a part (condition: the purchase's id) if the part
    was in the collection when it was bought, or was added later and the terms bought included later parts;
    and it was not taken out before the purchase."""
    part = CollectionItem.objects.filter(collection_id=OuterRef("collection_id"), article_id=OuterRef(OuterRef("pk")))
    kept = Q(removed_at__isnull=True) | Q(removed_at__gt=OuterRef("created_at"))
    bought = (CollectionPurchase.objects
              .filter(reader_id=reader.pk, status=CollectionPurchaseStatus.ACTIVE)
              .filter(Q(Exists(part.filter(kept, added_at__lte=OuterRef("created_at"))))
                      | Q(Exists(part.filter(removed_at__isnull=True)), includes_later=True)))
    return {COLLECTION: Subquery(bought.order_by().values("pk")[:1])}


def _live(prefix: str = "article__") -> Q:
    from django.utils import timezone

    return Q(**{f"{prefix}status__in": LIVE_STATUSES, f"{prefix}published_at__lte": timezone.now()})


def current_items(collection: Collection, *, live_only: bool = True) -> list[CollectionItem]:
    """The parts in order (live ones only, unless `live_only` is False: the studio shows drafts too)."""
    query = (CollectionItem.objects.filter(collection=collection, removed_at__isnull=True)
             .select_related("article", "article__author", "article__topic").order_by("position", "id"))
    if live_only:
        query = query.filter(_live())
    return list(query[:MAX_PARTS])


def collection_by_slug(slug: str) -> Collection | None:
    return Collection.objects.select_related("author").filter(slug=slug).first()


def collections_of(*, author) -> list[Collection]:
    return list(Collection.objects.filter(author=author).order_by("-created_at", "-id")[:200])


@dataclass(frozen=True)
class PartNav:
    collection: Collection
    number: int
    total: int
    previous: Article | None
    next: Article | None


# Read with the article's stamp (articles.selectors.STAMP_ANNOTATIONS): an article in no collection (most)
# then costs its page no query at all for the nav and the paywall's offer. `services` forgets the stamps of
# a collection's parts whenever the collection changes.
STAMP_ANNOTATIONS = {
    "collection_ref": lambda: Subquery(CollectionItem.objects.filter(
        article_id=OuterRef("pk"), removed_at__isnull=True).values("collection_id")[:1]),
}
_UNKNOWN = object()


def in_no_collection(article: Article) -> bool:
    """True when the article's stamp says it is in no collection (False when it is, or when unknown)."""
    return getattr(article, "collection_ref", _UNKNOWN) is None


def part_nav(article: Article) -> PartNav | None:
    """Where a live article stands among its collection's live parts, the same for every reader (the page
    shell and the anonymous page cache may keep it: `services` forgets them when a collection changes)."""
    if in_no_collection(article):
        return None
    item = (CollectionItem.objects.filter(article_id=article.pk, removed_at__isnull=True)
            .select_related("collection").first())
    if item is None:
        return None
    parts = [part.article for part in current_items(item.collection)]
    ids = [part.pk for part in parts]
    if article.pk not in ids:
        return None
    index = ids.index(article.pk)
    return PartNav(collection=item.collection, number=index + 1, total=len(parts),
                   previous=parts[index - 1] if index else None,
                   next=parts[index + 1] if index + 1 < len(parts) else None)


def collection_of(article: Article) -> Collection | None:
    if in_no_collection(article):
        return None
    item = (CollectionItem.objects.filter(article_id=article.pk, removed_at__isnull=True)
            .select_related("collection", "collection__author").first())
    return item.collection if item else None


def active_purchase(*, reader: Any, collection: Collection) -> CollectionPurchase | None:
    if not getattr(reader, "is_authenticated", False):
        return None
    return CollectionPurchase.objects.filter(reader_id=reader.pk, collection=collection,
                                             status=CollectionPurchaseStatus.ACTIVE).first()


def part_purchases(*, reader: Any, collection: Collection, currency: str) -> list[Purchase]:
    """The reader's active purchases of the collection's current parts in `currency`: what the collection's
    price is lowered by. (Parts bought in another currency are not counted: balances are never exchanged.)
    A purchase already counted towards another collection purchase that stands is not counted again: an
    article moved from one collection to another is credited once."""
    parts = CollectionItem.objects.filter(collection=collection, removed_at__isnull=True).values("article_id")
    counted = CollectionCredit.objects.filter(purchase_id=OuterRef("pk"),
                                              collection_purchase__status=CollectionPurchaseStatus.ACTIVE)
    return list(Purchase.objects.filter(reader_id=reader.pk, status=PurchaseStatus.ACTIVE, currency=currency,
                                        article_id__in=parts).exclude(Exists(counted)).order_by("pk")[:MAX_PARTS])


@dataclass(frozen=True)
class Quote:
    """What the whole collection costs this reader now, in this order: `price`, less an offer's `discount`
    (worked out on the whole price), less `credit` (what they paid for its parts); never below zero. So an
    offer is worth the same to every reader, and parts already bought still count in full."""

    collection: Collection
    currency: str
    price: int
    credit: int
    parts_owned: int
    purchases: tuple[Purchase, ...] = ()
    discount: int = 0
    # The collection's own price where `price` is lower: capped at the writer's monthly subscription price.
    list_price: int = 0

    @property
    def capped(self) -> bool:
        return self.list_price > self.price

    @property
    def to_pay(self) -> int:
        return max(0, self.price - self.discount - self.credit)

    @property
    def offer_lowers_it(self) -> bool:
        """Whether the offer changes what is paid (it does not when the parts' credit already covers it)."""
        return self.to_pay < max(0, self.price - self.credit)


def offer_discount(*, offer: Any, price: int, currency: str) -> int:
    """What a collection offer takes off the whole price (subscriptions.services.discount_of's rule)."""
    from byline.subscriptions.services import discount_of

    return discount_of(offer=offer, price_minor=price, currency=currency) if offer is not None else 0


def monthly_price(collection: Collection, currency: str) -> int | None:
    """The writer's monthly subscription price in `currency`, where they offer one: the most the whole
    collection may cost there (never pay more than subscribing)."""
    from byline.purchases.models import Interval
    from byline.subscriptions.selectors import price_for

    row = price_for(author_id=collection.author_id, interval=Interval.MONTH, currency=currency)
    return row.price_minor if row is not None else None


def monthly_prices(*, author_id: int) -> dict[str, int]:
    """{currency: the writer's monthly subscription price there} for the currencies they offer one in."""
    from byline.purchases.models import Interval
    from byline.subscriptions.models import AuthorPrice

    return dict(AuthorPrice.objects.filter(author_id=author_id, interval=Interval.MONTH, active=True)
                .values_list("currency", "price_minor"))


def price_of(collection: Collection, currency: str) -> tuple[int, int]:
    """(what the whole collection costs in `currency`, its own price there): the own price, capped at the
    writer's monthly subscription price in that currency. The studio's form refuses a price above it, so the
    cap acts only where the writer lowered their monthly price later, or on a converted price."""
    own = collection.price_in(currency)
    cap = monthly_price(collection, currency)
    return (min(own, cap) if cap is not None else own), own


def monthly_prices_of(*, author_ids) -> dict[int, dict[str, int]]:
    """{author id: `monthly_prices`} for many writers in one query (a page of collections)."""
    from byline.purchases.models import Interval
    from byline.subscriptions.models import AuthorPrice

    found: dict[int, dict[str, int]] = {author_id: {} for author_id in author_ids}
    rows = AuthorPrice.objects.filter(author_id__in=list(found), interval=Interval.MONTH, active=True)
    for author_id, currency, price in rows.values_list("author_id", "currency", "price_minor"):
        found[author_id][currency] = price
    return found


def live_part_counts(collection_ids) -> dict[int, int]:
    """{collection id: how many live parts it has now (at most MAX_PARTS, as `current_items`)}, one query."""
    rows = (CollectionItem.objects.filter(_live(), collection_id__in=list(collection_ids), removed_at__isnull=True)
            .order_by().values("collection_id").annotate(n=Count("id")).values_list("collection_id", "n"))
    counts = dict.fromkeys(collection_ids, 0)
    counts.update({collection_id: min(n, MAX_PARTS) for collection_id, n in rows})
    return counts


def prices_everywhere(collection: Collection, caps: dict[str, int] | None = None) -> dict[str, int]:
    """{currency: what the whole collection costs there} for every currency the site sells (`price_of`), in
    one query for the writer's monthly prices, or none where the caller read them already (`caps`, from
    `monthly_prices_of` for a page of collections)."""
    from byline.core.conversion import prices_in_every_currency

    if caps is None:
        caps = monthly_prices(author_id=collection.author_id)
    own = prices_in_every_currency(base_minor=collection.price_minor, base_currency=collection.currency,
                                   own=collection.prices)
    return {currency: min(price, caps.get(currency, price)) for currency, price in own.items()}


def quote(*, reader: Any, collection: Collection, currency: str, offer: Any = None) -> Quote:
    price, own = price_of(collection, currency)
    discount = offer_discount(offer=offer, price=price, currency=currency)
    if not getattr(reader, "is_authenticated", False):
        return Quote(collection=collection, currency=currency, price=price, credit=0, parts_owned=0,
                     discount=discount, list_price=own)
    bought = part_purchases(reader=reader, collection=collection, currency=currency)
    return Quote(collection=collection, currency=currency, price=price,
                 credit=sum(purchase.price_minor for purchase in bought), parts_owned=len(bought),
                 purchases=tuple(bought), discount=discount, list_price=own)


def usable_offer(*, reader: Any, collection: Collection, code: str = "", token: str = "") -> Any:
    """The collection's offer named by a code or a link's token, if this reader may take it now; else None."""
    from byline.subscriptions import selectors as offers
    from byline.subscriptions.models import OfferTarget

    if token:
        found = offers.offer_by_token(token)
        if found is not None and (found.target != OfferTarget.COLLECTION or found.collection_id != collection.pk):
            found = None
    else:
        found = offers.offer_by_code(code=code, target=OfferTarget.COLLECTION, collection_id=collection.pk)
    if found is None or not getattr(reader, "is_authenticated", False):
        return None
    return found if offers.redeemable(offer=found, reader=reader) else None


def purchases_of(*, reader: Any) -> list[CollectionPurchase]:
    return list(CollectionPurchase.objects.filter(reader=reader).select_related("collection")[:200])


def search_collections(*, words: list[str], limit: int = 5) -> list[Collection]:
    """Collections whose title or description holds every word (case-insensitive); public text only."""
    query = Collection.objects.select_related("author")
    for word in words[:10]:
        query = query.filter(Q(title__icontains=word) | Q(description__icontains=word))
    visible = CollectionItem.objects.filter(_live(), collection_id=OuterRef("pk"), removed_at__isnull=True)
    return list(query.filter(Exists(visible)).order_by("-created_at")[:limit])


def search_results(query: str) -> list:
    """Collections for the search page (search.selectors.EXTRA_RESULTS): title or description holding every
    word of the query; public text only, the same for every reader."""
    from django.utils.translation import gettext

    from byline.search.selectors import ExtraResult

    words = [word for word in query.split() if word][:10]
    if not words:
        return []
    return [ExtraResult(kind=gettext("Collection"), title=c.title, url=c.get_absolute_url(), meta=c.author.name)
            for c in search_collections(words=words)]


def listed_queryset():
    """Collections with at least one live part, newest first."""
    visible = CollectionItem.objects.filter(_live(), collection_id=OuterRef("pk"), removed_at__isnull=True)
    return Collection.objects.select_related("author").filter(Exists(visible))


def listed_collections(limit: int = 50) -> list[Collection]:
    return list(listed_queryset()[:limit])

"""The fair-price cap: in a calendar month (in TIME_ZONE), a reader never pays more for one writer's single
articles than that writer's monthly subscription in that currency. Once their active purchases reach it, the
writer's other articles are theirs for the rest of the month (`selectors.entitlement_conditions`), and the
purchase that reaches it charges only what was left (`capped_price`, a `purchases.PRICE_LIMITS` rule run
under the reader's wallet lock, so two purchases at once are counted one after the other).

Everything here is read from the ledger's facts: the purchases that stand (undone and refunded ones do not
count), so an undo below the cap closes the writer's other articles again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import DateTimeField, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from byline.articles.models import Article
from byline.purchases.models import Interval, Purchase, PurchaseStatus
from byline.subscriptions.models import AuthorPrice, CreditedPurchase


def month_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The calendar month (in the site's time zone) that `now` falls in, as [start, end)."""
    local = timezone.localtime(now)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start, timezone.make_aware(end.replace(tzinfo=None), timezone.get_current_timezone())


def in_month_of(queryset, field: str, now: dt.datetime):
    """`queryset` narrowed to rows whose `field` falls in the calendar month of `now` (local time). Both
    sides are truncated in the database, with `now` as the only parameter, so the entitlement query keeps
    one shape (access.entitlements compiles it once) instead of carrying a month start worked out from `now`."""
    zone = timezone.get_current_timezone()
    return queryset.alias(_month=TruncMonth(field, tzinfo=zone)).filter(
        _month=TruncMonth(Value(now, output_field=DateTimeField()), tzinfo=zone))


def paid_subquery(*, reader_id: int, author_ref, currency_ref, now: dt.datetime) -> Coalesce:
    """What the reader paid this month for single articles by the author `author_ref` in `currency_ref`
    (expressions over the outer row), as a subquery; 0 when nothing."""
    mine = Purchase.objects.filter(reader_id=reader_id, status=PurchaseStatus.ACTIVE, article__author_id=author_ref,
                                   currency=currency_ref)
    paid = (in_month_of(mine, "created_at", now).order_by().values("reader_id")
            .annotate(total=Sum("price_minor")).values("total")[:1])
    return Coalesce(Subquery(paid, output_field=IntegerField()), 0)


# Written out rather than built by the ORM: a purchase asks this under the reader's wallet lock, and building
# the annotated query cost more than the rest of the purchase's Python (issue 23). The month is a range of
# `created_at` (`month_bounds`), the same months as `in_month_of`'s truncation, and the index's friend.
_CAP_SQL = " ".join("""
SELECT ap.price_minor, COALESCE((
    SELECT SUM(p.price_minor) FROM {purchase} p JOIN {article} a ON a.id = p.article_id
    WHERE p.reader_id = %s AND p.status = %s AND a.author_id = %s AND p.currency = %s
      AND p.created_at >= %s AND p.created_at < %s), 0)
FROM {price} ap WHERE ap.author_id = %s AND ap.interval = %s AND ap.currency = %s AND ap.active = %s
""".split())
_HAS_CAP_SQL = "SELECT COUNT(*) FROM {price} WHERE author_id = %s AND interval = %s AND currency = %s AND active = %s"


def capped_price(*, reader, article, currency: str, price_minor: int) -> int:
    """The most this purchase may charge: what is left of the writer's monthly price after this month's
    purchases (0 once it is reached); the price itself for a writer with no monthly price in `currency`.
    One query."""
    start, end = month_bounds(timezone.now())
    adapt = connection.ops.adapt_datetimefield_value
    sql = _CAP_SQL.format(purchase=Purchase._meta.db_table, article=Article._meta.db_table,
                          price=AuthorPrice._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [reader.pk, PurchaseStatus.ACTIVE.value, article.author_id, currency, adapt(start),
                             adapt(end), article.author_id, Interval.MONTH.value, currency, True])
        row = cursor.fetchone()
    if row is None:
        return price_minor
    cap, paid = row
    return max(0, cap - paid)


def has_cap_sql(*, reader, article, currency: str) -> tuple[str, list]:
    """`capped_price`'s probe (purchases.PRICE_LIMITS): whether the writer has a monthly price in `currency`,
    read in the statement that locks the reader's wallet. Writers' prices are not under that lock, so asking
    a moment before it is as good as asking after."""
    return (_HAS_CAP_SQL.format(price=AuthorPrice._meta.db_table),
            [article.author_id, Interval.MONTH.value, currency, True])


capped_price.probe = has_cap_sql


@dataclass(frozen=True)
class CapProgress:
    cap_minor: int
    paid_minor: int
    currency: str

    @property
    def left_minor(self) -> int:
        return max(0, self.cap_minor - self.paid_minor)

    @property
    def reached(self) -> bool:
        return self.paid_minor >= self.cap_minor


def progress(*, reader, author_id: int, currency: str, now: dt.datetime | None = None) -> CapProgress | None:
    """How close the reader is to the writer's cap this month in `currency`; None where there is no cap."""
    if not getattr(reader, "is_authenticated", False):
        return None
    now = now or timezone.now()
    row = (AuthorPrice.objects.filter(author_id=author_id, interval=Interval.MONTH, currency=currency, active=True)
           .annotate(paid=paid_subquery(reader_id=reader.pk, author_ref=OuterRef("author_id"),
                                        currency_ref=OuterRef("currency"), now=now))
           .values_list("price_minor", "paid").first())
    if row is None:
        return None
    return CapProgress(cap_minor=row[0], paid_minor=row[1], currency=currency)


def purchases_this_month(*, reader, author_id: int, currency: str, now: dt.datetime) -> list[Purchase]:
    mine = Purchase.objects.filter(reader=reader, status=PurchaseStatus.ACTIVE, article__author_id=author_id,
                                   currency=currency)
    return list(in_month_of(mine, "created_at", now).order_by("created_at", "pk"))


def refuse_undo_of_credited(*, purchase: Purchase):
    """A `purchases.UNDO_GUARDS` rule: a purchase that paid toward a subscription stays."""
    if CreditedPurchase.objects.filter(purchase_id=purchase.pk).exists():
        return _("This purchase went toward your subscription to its writer, so it can no longer be undone.")
    return None


def refuse_undo_before_a_capped_purchase(*, purchase: Purchase):
    """A `purchases.UNDO_GUARDS` rule: a purchase cannot be undone (or refunded on request) while a later purchase
    from the same writer in the same month stands that the cap charged less because this one counted; else the
    reader would keep that later article for the capped remainder. The later one can be undone first."""
    from byline.purchases.errors import NotForSale
    from byline.purchases.services import quote

    later = in_month_of(Purchase.objects.filter(
        reader_id=purchase.reader_id, status=PurchaseStatus.ACTIVE, article__author_id=purchase.article.author_id,
        currency=purchase.currency, created_at__gte=purchase.created_at).exclude(pk=purchase.pk)
        .select_related("article"), "created_at", purchase.created_at)
    for other in later:
        try:
            full = quote(article=other.article, currency=other.currency)
        except NotForSale:
            continue
        if other.price_minor < full and (other.created_at, other.pk) > (purchase.created_at, purchase.pk):
            return _("A later purchase from this writer cost less because this one counted towards their monthly "
                     "price, so this one cannot be undone on its own. Undo the later one first.")
    return None

"""Reads for the dashboard: per-day and per-article figures for one author, or for the whole site.

Every figure is aggregated in SQL, a fixed number of queries whatever the number of articles:
- views / paywall impressions: `ArticleDay` rows (flush the cache buffer first to include the last minute);
- unlocks: purchases made in the period (whatever became of them); undos and refunds: those of them
  later undone or refunded; conversion = unlocks / paywall impressions; undo rate = undos / unlocks;
- gift redemptions and membership reads of the articles;
- earnings: the entries on the authors' EARNINGS ledger accounts in the period (sales, less undos and
  refunds, plus membership pool shares and tips), per currency. They equal the ledger, by construction;
- tips: tips given in the period and not undone, with the writer's share of them per currency.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from byline.articles.models import Article, Author
from byline.core.inputs import ascii_int
from byline.dashboard.models import ArticleDay
from byline.ledger.models import AccountKind, Entry
from byline.purchases.models import MemberRead, Purchase, PurchaseStatus
from byline.sharing.models import GiftRedemption
from byline.tips.models import Tip, TipStatus

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
ARTICLE_LIMIT = 500
SITE_PERMISSION = "dashboard.view_site_dashboard"


def sees_whole_site(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active
                and (user.is_superuser or (user.is_staff and user.has_perm(SITE_PERMISSION))))


def author_of(user: Any) -> Author | None:
    if not user.is_authenticated:
        return None
    return Author.objects.filter(user_id=user.pk).first()


def parse_period(raw: str | None) -> int:
    value = ascii_int(raw, max_digits=3)
    return value if value in PERIODS else DEFAULT_PERIOD


@dataclass(frozen=True)
class Window:
    first: dt.date
    last: dt.date

    @classmethod
    def last_days(cls, days: int, today: dt.date | None = None) -> Window:
        today = today or timezone.localdate()
        return cls(today - dt.timedelta(days=days - 1), today)

    @property
    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def datetimes(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) in the current time zone, for filtering timestamps."""
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.first, dt.time.min, tzinfo=tz)
        return start, dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


@dataclass
class Figures:
    """One row of the dashboard: a day, an article, or the total."""

    views: int = 0
    paywall: int = 0
    unlocks: int = 0
    undos: int = 0
    refunds: int = 0
    gifts: int = 0
    member_reads: int = 0
    earnings: dict[str, int] = field(default_factory=dict)  # currency -> minor units
    tips: int = 0
    tip_shares: dict[str, int] = field(default_factory=dict)  # the writer's share of those tips, per currency

    @property
    def conversion(self) -> float | None:
        """Unlocks per paywall impression; None when nobody met the paywall."""
        return self.unlocks / self.paywall if self.paywall else None

    @property
    def undo_rate(self) -> float | None:
        return self.undos / self.unlocks if self.unlocks else None

    @property
    def refund_rate(self) -> float | None:
        """Purchases given back (undone, refunded by staff or on request) per purchase."""
        return (self.undos + self.refunds) / self.unlocks if self.unlocks else None

    @property
    def earnings_list(self) -> list[tuple[str, int]]:
        return sorted(self.earnings.items())

    @property
    def tip_shares_list(self) -> list[tuple[str, int]]:
        return sorted(self.tip_shares.items())

    def add(self, other: Figures) -> None:
        for name in ("views", "paywall", "unlocks", "undos", "refunds", "gifts", "member_reads", "tips"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for currency, amount in other.earnings.items():
            self.earnings[currency] = self.earnings.get(currency, 0) + amount
        for currency, amount in other.tip_shares.items():
            self.tip_shares[currency] = self.tip_shares.get(currency, 0) + amount


@dataclass
class ArticleFigures:
    article: Article
    figures: Figures


@dataclass
class Report:
    window: Window
    daily: list[tuple[dt.date, Figures]]
    articles: list[ArticleFigures]
    total: Figures
    pool_earnings: dict[str, int]  # membership pool shares: per author, not per article

    @property
    def currencies(self) -> list[str]:
        return sorted(self.total.earnings)


def _articles(author: Author | None) -> QuerySet[Article]:
    queryset = Article.objects.all()
    return queryset if author is None else queryset.filter(author=author)


def _scoped(queryset: QuerySet, path: str, author: Author | None, article: Article | None) -> QuerySet:
    if article is not None:
        return queryset.filter(**{path: article.pk})
    if author is not None:
        return queryset.filter(**{path.replace("_id", "__author_id"): author.pk})
    return queryset


def _earnings_entries(author: Author | None, window: Window) -> QuerySet[Entry]:
    start, end = window.datetimes()
    entries = Entry.objects.filter(account__kind=AccountKind.EARNINGS,
                                   transfer__created_at__gte=start, transfer__created_at__lt=end)
    return entries if author is None else entries.filter(account__owner_id=author.user_id)


def _grouped(*, author: Author | None, article: Article | None, window: Window, by: str) -> dict[Any, Figures]:
    """Every figure grouped by `by` ("day" or "article"): seven aggregate queries."""
    start, end = window.datetimes()
    rows: dict[Any, Figures] = defaultdict(Figures)
    by_day = by == "day"

    counters = _scoped(ArticleDay.objects.filter(day__gte=window.first, day__lte=window.last),
                       "article_id", author, article)
    for row in counters.values("day" if by_day else "article_id").annotate(
            v=Sum("preview_views"), p=Sum("paywall_impressions")):
        figures = rows[row["day"] if by_day else row["article_id"]]
        figures.views, figures.paywall = row["v"] or 0, row["p"] or 0

    purchases = _scoped(Purchase.objects.filter(created_at__gte=start, created_at__lt=end),
                        "article_id", author, article)
    purchases = purchases.annotate(day=TruncDate("created_at")) if by_day else purchases
    for row in purchases.values("day" if by_day else "article_id").annotate(
            n=Count("pk"), undone=Count("pk", filter=Q(status=PurchaseStatus.UNDONE)),
            refunded=Count("pk", filter=Q(status__in=(PurchaseStatus.REFUNDED, PurchaseStatus.RETURNED)))):
        figures = rows[row["day"] if by_day else row["article_id"]]
        figures.unlocks, figures.undos, figures.refunds = row["n"], row["undone"], row["refunded"]

    gifts = _scoped(GiftRedemption.objects.filter(created_at__gte=start, created_at__lt=end),
                    "gift__article_id", author, article)
    gifts = gifts.annotate(day=TruncDate("created_at")) if by_day else gifts
    for row in gifts.values("day" if by_day else "gift__article_id").annotate(n=Count("pk")):
        rows[row["day"] if by_day else row["gift__article_id"]].gifts = row["n"]

    reads = _scoped(MemberRead.objects.filter(day__gte=window.first, day__lte=window.last),
                    "article_id", author, article)
    for row in reads.values("day" if by_day else "article_id").annotate(n=Count("pk")):
        rows[row["day"] if by_day else row["article_id"]].member_reads = row["n"]

    tips = _scoped(Tip.objects.filter(created_at__gte=start, created_at__lt=end, status=TipStatus.ACTIVE),
                   "article_id", author, article)
    tips = tips.annotate(day=TruncDate("created_at")) if by_day else tips
    for row in tips.values("day" if by_day else "article_id", "currency").annotate(
            n=Count("pk"), share=Sum("writer_share_minor")):
        figures = rows[row["day"] if by_day else row["article_id"]]
        figures.tips += row["n"]
        figures.tip_shares[row["currency"]] = figures.tip_shares.get(row["currency"], 0) + row["share"]

    entries = _earnings_entries(author, window)
    sale_article = Coalesce("transfer__purchase__article_id", "transfer__reversed_purchase__article_id")
    if article is not None:
        entries = entries.annotate(sold=sale_article).filter(sold=article.pk)
    if by_day:
        grouped = entries.annotate(key=TruncDate("transfer__created_at"))
    else:
        grouped = entries.annotate(key=sale_article).filter(key__isnull=False)
    for row in grouped.values("key", currency=F("account__currency")).annotate(total=Sum("amount")):
        earnings = rows[row["key"]].earnings
        earnings[row["currency"]] = earnings.get(row["currency"], 0) + row["total"]
    return rows


def pool_earnings(*, author: Author | None, window: Window) -> dict[str, int]:
    """Membership pool shares credited in the period, per currency (one query)."""
    entries = _earnings_entries(author, window).filter(transfer__kind="pool_payout")
    return {row["currency"]: row["total"] for row in entries.values(currency=F("account__currency"))
            .annotate(total=Sum("amount"))}


def report(*, author: Author | None, window: Window, article: Article | None = None,
           limit: int = ARTICLE_LIMIT) -> Report:
    """The dashboard of one author (None: the whole site), or of one article, over `window`."""
    by_day = _grouped(author=author, article=article, window=window, by="day")
    daily = [(day, by_day.get(day, Figures())) for day in window.days]
    total = Figures()
    for _day, figures in daily:
        total.add(figures)
    articles: list[ArticleFigures] = []
    if article is None:
        by_article = _grouped(author=author, article=None, window=window, by="article")
        listed = (_articles(author).select_related("author").defer("body_markdown", "locked_html", "preview_html")
                  .order_by("-published_at", "-pk")[:limit])
        articles = [ArticleFigures(a, by_article.get(a.pk, Figures())) for a in listed]
        articles.sort(key=lambda row: (-row.figures.views, -row.figures.unlocks))
    pool = pool_earnings(author=author, window=window) if article is None else {}
    return Report(window=window, daily=daily, articles=articles, total=total, pool_earnings=pool)


def authors_for_filter() -> list[Author]:
    return list(Author.objects.only("id", "slug", "display_name", "display_name_zh").order_by("display_name"))

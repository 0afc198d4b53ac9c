"""Reading tips: presets and limits per currency, whether a writer takes tips, who tipped an article."""

from __future__ import annotations

from django.db.models import BooleanField, Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from byline.articles.models import Article
from byline.tips.models import Tip, TipSettings, TipStatus

# Like WeChat's 赞赏 for yuan; round sums for dollars and euros. Minor units.
PRESETS = {
    "CNY": [100, 200, 500, 1000, 2000, 5000, 10000, 20000],
    "USD": [100, 200, 500, 1000, 2000, 5000],
    "EUR": [100, 200, 500, 1000, 2000, 5000],
}
# (smallest, largest) custom tip in minor units.
LIMITS = {"CNY": (100, 50000), "USD": (100, 20000), "EUR": (100, 20000)}
DEFAULT_LIMITS = (100, 20000)
NAMES_SHOWN = 8


def presets(currency: str) -> list[int]:
    return PRESETS.get(currency, PRESETS["USD"])


def limits(currency: str) -> tuple[int, int]:
    return LIMITS.get(currency, DEFAULT_LIMITS)


def accepts_tips(article: Article) -> bool:
    stamped = getattr(article, "tips_accepted", None)
    if stamped is not None:
        return bool(stamped)
    settings_row = TipSettings.objects.filter(author_id=article.author_id).first()
    return settings_row is None or settings_row.accepts_tips


def tippers_count(article: Article) -> int:
    stamped = getattr(article, "tips_count", None)
    if stamped is not None:
        return stamped
    return Tip.objects.filter(article=article, status=TipStatus.ACTIVE).values("tipper").distinct().count()


def named_tippers(article: Article, *, limit: int = NAMES_SHOWN) -> list[str]:
    """The names of readers who tipped and did not ask to stay anonymous, most recent first."""
    names: list[str] = []
    for tip in (Tip.objects.filter(article=article, status=TipStatus.ACTIVE, anonymous=False)
                .select_related("tipper").order_by("-created_at")[:limit * 3]):
        name = tip.tipper.get_full_name() or tip.tipper.username
        if name not in names:
            names.append(name)
    return names[:limit]


def tip_of_checkout(*, reader_id: int, reference: str) -> Tip | None:
    """The tip a paid card or QR checkout gave (`payments.settlement.fulfil` gives it under the key
    `checkout-<reference>`, which `services.tip_from_wallet` scopes to the reader)."""
    return (Tip.objects.filter(idempotency_key=f"tip:r{reader_id}:checkout-{reference}")
            .select_related("article__author").first())


def recent_tips(*, article_id: int, limit: int = 20) -> list[Tip]:
    """The newest tips on one article that stand, with their messages, for its writer's dashboard. One query."""
    return list(Tip.objects.filter(article_id=article_id, status=TipStatus.ACTIVE).select_related("tipper")
                .order_by("-created_at", "-pk")[:limit])


def _tippers():
    rows = (Tip.objects.filter(article=OuterRef("pk"), status=TipStatus.ACTIVE).order_by().values("article")
            .annotate(n=Count("tipper", distinct=True)).values("n"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


# Read with the article's stamp (articles.selectors.STAMP_ANNOTATIONS): the tip box asks nothing more.
STAMP_ANNOTATIONS = {
    "tips_accepted": lambda: Coalesce(
        Subquery(TipSettings.objects.filter(author=OuterRef("author_id")).values("accepts_tips")[:1]),
        Value(True), output_field=BooleanField()),
    "tips_count": _tippers,
}

"""The author dashboard: the overview, one article, and CSV exports. Authors see their own articles;
site staff (superusers, or staff with `dashboard.view_site_dashboard`) see the whole site."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from byline.articles.models import Article, Author
from byline.comments.selectors import recent_for_moderator
from byline.core.errors import Refused
from byline.dashboard import selectors
from byline.dashboard.presentation import charts_for
from byline.dashboard.services import flush_view_counters
from byline.tips.selectors import recent_tips

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Viewer:
    """Who is looking, and at whose numbers."""

    def __init__(self, request: HttpRequest):
        self.whole_site = selectors.sees_whole_site(request.user)
        self.own = selectors.author_of(request.user)
        if not self.whole_site and self.own is None:
            raise Refused(_("The dashboard shows authors how their articles are read and bought. "
                            "Your account has no articles, so there is nothing to show here."))
        self.scope: Author | None = self.own
        if self.whole_site:
            slug = request.GET.get("author", "")
            self.scope = Author.objects.filter(slug=slug).first() if slug else None

    def article(self, slug: str) -> Article:
        article = get_object_or_404(Article.objects.select_related("author").defer("body_markdown", "locked_html"),
                                    slug=slug)
        if not self.whole_site and article.author_id != self.own.pk:
            raise Http404  # another author's numbers: as if it did not exist
        return article


def _window(request: HttpRequest) -> tuple[int, selectors.Window]:
    period = selectors.parse_period(request.GET.get("period"))
    return period, selectors.Window.last_days(period)


@never_cache
@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    viewer = Viewer(request)
    period, window = _window(request)
    flush_view_counters()
    report = selectors.report(author=viewer.scope, window=window)
    return render(request, "dashboard/overview.html", {
        "report": report, "charts": charts_for(report), "period": period, "periods": selectors.PERIODS,
        "viewer": viewer, "authors": selectors.authors_for_filter() if viewer.whole_site else [],
        "comments": recent_for_moderator(author_id=viewer.scope.pk if viewer.scope else None),
        "here": request.get_full_path(),
    })


@never_cache
@login_required
@require_GET
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = Viewer(request)
    article = viewer.article(slug)
    period, window = _window(request)
    flush_view_counters()
    report = selectors.report(author=article.author, article=article, window=window)
    return render(request, "dashboard/article.html", {
        "article": article, "report": report, "charts": charts_for(report), "period": period,
        "periods": selectors.PERIODS, "viewer": viewer, "here": request.get_full_path(),
        "comments": recent_for_moderator(author_id=article.author_id, article_id=article.pk),
        "tips": recent_tips(article_id=article.pk),
    })


def _cell(value: object) -> object:
    """Text a spreadsheet would run as a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


FIGURE_COLUMNS = ["preview_views", "paywall_impressions", "unlocks", "conversion", "undos", "undo_rate",
                  "refunds", "gift_redemptions", "membership_reads"]


def _figure_cells(figures: selectors.Figures, currencies: list[str]) -> list[object]:
    return [figures.views, figures.paywall, figures.unlocks, _ratio(figures.conversion), figures.undos,
            _ratio(figures.undo_rate), figures.refunds, figures.gifts, figures.member_reads,
            *[figures.earnings.get(currency, 0) for currency in currencies]]


def _csv_response(filename: str, header: list[str], rows: list[list[object]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # so spreadsheet programs read the Chinese titles as UTF-8
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([[_cell(value) for value in row] for row in rows])
    return response


def _earning_columns(currencies: list[str]) -> list[str]:
    return [f"earnings_{currency}_minor" for currency in currencies]


@never_cache
@login_required
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    """Per article (default) or per day (`by=day`), over the period; earnings in minor units per currency."""
    viewer = Viewer(request)
    period, window = _window(request)
    flush_view_counters()
    report = selectors.report(author=viewer.scope, window=window)
    currencies = report.currencies
    if request.GET.get("by") == "day":
        rows = [[day.isoformat(), *_figure_cells(figures, currencies)] for day, figures in report.daily]
        return _csv_response(f"byline-daily-{period}d.csv", ["day", *FIGURE_COLUMNS, *_earning_columns(currencies)],
                             rows)
    currencies = sorted({c for row in report.articles for c in row.figures.earnings} | set(currencies))
    rows = [[row.article.slug, row.article.title, row.article.author.slug, *_figure_cells(row.figures, currencies)]
            for row in report.articles]
    return _csv_response(f"byline-articles-{period}d.csv",
                         ["article", "title", "author", *FIGURE_COLUMNS, *_earning_columns(currencies)], rows)


@never_cache
@login_required
@require_GET
def article_csv(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = Viewer(request)
    article = viewer.article(slug)
    period, window = _window(request)
    flush_view_counters()
    report = selectors.report(author=article.author, article=article, window=window)
    currencies = report.currencies
    rows = [[day.isoformat(), *_figure_cells(figures, currencies)] for day, figures in report.daily]
    return _csv_response(f"byline-{article.slug}-{period}d.csv",
                         ["day", *FIGURE_COLUMNS, *_earning_columns(currencies)], rows)

"""How the dashboard's figures read: dates per language, percentages, and the charts of a report."""

from __future__ import annotations

import datetime as dt

from django.utils import dateformat
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from byline.core.money import money
from byline.dashboard.charts import Chart, Series, bar_chart, line_chart
from byline.dashboard.selectors import Report


def short_day(day: dt.date) -> str:
    """An axis label: "12 Mar" in English, "3月12日" in Chinese."""
    if (get_language() or "").startswith("zh"):
        return f"{day.month}月{day.day}日"
    return dateformat.format(day, "j M")


def long_day(day: dt.date) -> str:
    return date_format(day, "DATE_FORMAT")


def percent(value: float | None) -> str:
    return _("n/a") if value is None else f"{value * 100:.1f}%"


def charts_for(report: Report, *, prefix: str = "chart") -> list[Chart]:
    """Views and paywall impressions (lines), unlocks (bars), and earnings per currency (bars)."""
    days = [day for day, _figures in report.daily]
    labels = [short_day(day) for day in days]
    first, last = long_day(report.window.first), long_day(report.window.last)
    total = report.total
    views = Series(_("Preview views"), [f.views for _d, f in report.daily])
    paywall = Series(_("Paywall impressions"), [f.paywall for _d, f in report.daily])
    charts = [line_chart(
        chart_id=f"{prefix}-views", title=_("Preview views and paywall impressions per day"),
        description=_("From %(first)s to %(last)s: %(views)d preview views and %(paywall)d paywall impressions "
                      "in all. The solid line with round marks is preview views; the dashed line with square "
                      "marks is paywall impressions. The table next to the chart gives each day's numbers.") % {
            "first": first, "last": last, "views": total.views, "paywall": total.paywall},
        labels=labels, series=[views, paywall])]
    charts[0] = _with_long_labels(charts[0], days)
    unlocks = Series(_("Unlocks"), [f.unlocks for _d, f in report.daily])
    charts.append(_with_long_labels(bar_chart(
        chart_id=f"{prefix}-unlocks", title=_("Unlocks per day"),
        description=_("From %(first)s to %(last)s: %(unlocks)d unlocks in all, %(undos)d of them undone. "
                      "The table next to the chart gives each day's numbers.") % {
            "first": first, "last": last, "unlocks": total.unlocks, "undos": total.undos},
        labels=labels, series=unlocks), days))
    for currency in report.currencies:
        amounts = [f.earnings.get(currency, 0) for _d, f in report.daily]
        series = Series(_("Earnings"), amounts, [money(a, currency) for a in amounts])
        charts.append(_with_long_labels(bar_chart(
            chart_id=f"{prefix}-earnings-{currency.lower()}",
            title=_("Earnings per day in %(currency)s") % {"currency": currency},
            description=_("From %(first)s to %(last)s: %(total)s in all, from sales less undos and refunds, "
                          "plus membership pool shares. The table next to the chart gives each day's amount.") % {
                "first": first, "last": last, "total": money(total.earnings.get(currency, 0), currency)},
            labels=labels, series=series, y_format=lambda v, c=currency: money(int(v), c)), days))
    return charts


def _with_long_labels(chart: Chart, days: list[dt.date]) -> Chart:
    """The table spells each date out in full; the axis keeps the short form."""
    return Chart(chart.chart_id, chart.title, chart.description, chart.svg, [long_day(d) for d in days],
                 chart.series)

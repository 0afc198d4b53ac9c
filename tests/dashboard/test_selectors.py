"""The dashboard's figures, from known data: conversion, undo rate, refunds, gifts, member reads,
and earnings that equal the ledger."""

import datetime as dt

import pytest
from django.db.models import Sum
from django.utils import timezone

from byline.dashboard import selectors, services
from byline.ledger.models import AccountKind, Entry
from tests.conftest import make_article

pytestmark = pytest.mark.django_db


def week():
    return selectors.Window.last_days(7)


def paywall_views(article, views: int, paywall: int) -> None:
    for number in range(views):
        services.record_view(article_id=article.pk, paywalled=number < paywall)
    services.flush_view_counters()


def test_conversion_is_unlocks_over_paywall_impressions_and_undo_rate_is_undos_over_unlocks(author, sold_article):
    paywall_views(sold_article, views=50, paywall=40)
    total = selectors.report(author=author, window=week()).total
    assert (total.views, total.paywall, total.unlocks, total.undos, total.refunds) == (50, 40, 4, 1, 1)
    assert total.conversion == pytest.approx(0.1)
    assert total.undo_rate == pytest.approx(0.25)
    assert total.gifts == 1


def test_rates_are_absent_rather_than_zero_without_a_denominator(author):
    total = selectors.report(author=author, window=week()).total
    assert total.conversion is None and total.undo_rate is None


def test_earnings_equal_the_ledger_entries_on_the_authors_earnings_account(author, sold_article, pool_paid):
    report = selectors.report(author=author, window=week())
    in_ledger = Entry.objects.filter(account__owner=author.user, account__kind=AccountKind.EARNINGS
                                     ).aggregate(total=Sum("amount"))["total"]
    assert report.total.earnings == {"USD": in_ledger}
    assert report.total.earnings["USD"] == 2 * 270 + pool_paid.transfer.entries.get(
        account__owner=author.user).amount  # two $3.00 sales kept, 90% each, plus the pool share
    assert report.pool_earnings["USD"] > 0


def test_per_article_rows_add_up_to_the_sales_earnings_and_count_member_reads(author, sold_article, pool_paid):
    make_article(author=author, title="Unsold", slug="unsold")
    report = selectors.report(author=author, window=week())
    rows = {row.article.slug: row.figures for row in report.articles}
    assert rows["lighthouse-ledger"].earnings == {"USD": 540}
    assert rows["lighthouse-ledger"].member_reads == 1
    assert rows["unsold"].unlocks == 0 and rows["unsold"].earnings == {}


def test_a_day_by_day_series_covers_every_day_of_the_period(author, sold_article):
    report = selectors.report(author=author, window=selectors.Window.last_days(30))
    assert len(report.daily) == 30 and report.daily[-1][0] == timezone.localdate()
    assert sum(figures.unlocks for _day, figures in report.daily) == 4


def test_figures_outside_the_period_are_left_out(author, sold_article):
    old = selectors.Window(timezone.localdate() - dt.timedelta(days=60), timezone.localdate() - dt.timedelta(days=31))
    total = selectors.report(author=author, window=old).total
    assert (total.unlocks, total.earnings) == (0, {})


def test_an_authors_report_leaves_out_other_authors(author, other_author, sold_article):
    theirs = make_article(author=other_author)
    paywall_views(theirs, views=5, paywall=5)
    mine = selectors.report(author=author, window=week())
    assert [row.article for row in mine.articles] == [sold_article]
    assert mine.total.views == 0
    site = selectors.report(author=None, window=week())
    assert site.total.views == 5 and site.total.unlocks == 4


def test_periods_other_than_7_30_90_fall_back_to_30():
    assert [selectors.parse_period(raw) for raw in ("7", "90", "31", "x", None)] == [7, 90, 30, 30, 30]

"""The dashboard pages and exports: who may see what, both languages, bounded queries, and CSV."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from byline.dashboard import services
from tests.conftest import LOCKED_ONLY_WORD, LOCKED_SENTINEL, make_article, make_user

pytestmark = pytest.mark.django_db


def overview_url(language="en", **query):
    with translation.override(language):
        url = reverse("dashboard:overview")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_an_author_sees_their_articles_figures_and_charts_with_tables(client, author, sold_article):
    client.force_login(author.user)
    page = client.get(overview_url()).content.decode()
    assert sold_article.title in page
    assert page.count('role="img"') == 3  # views, unlocks, earnings in USD
    assert page.count('<table class="dash-table" id="chart-') == 3
    assert "Conversion" in page and "$5.40" in page


def test_the_dashboard_reads_in_chinese(client, author, sold_article):
    client.force_login(author.user)
    page = client.get(overview_url("zh-hans")).content.decode()
    assert "转化率" in page and "每日解锁次数" in page and "年" in page


def test_readers_are_refused_and_visitors_sent_to_log_in(client, sold_article):
    assert client.get(overview_url()).status_code == 302
    client.force_login(make_user())
    assert client.get(overview_url()).status_code == 403
    assert client.get(reverse("dashboard:export")).status_code == 403


def test_an_author_never_sees_another_authors_numbers(client, author, other_author, sold_article):
    client.force_login(other_author.user)
    page = client.get(overview_url(author=author.slug)).content.decode()
    assert sold_article.title not in page
    assert client.get(reverse("dashboard:article", args=[sold_article.slug])).status_code == 404
    assert client.get(reverse("dashboard:article_export", args=[sold_article.slug])).status_code == 404
    assert rows_of(client.get(reverse("dashboard:export"))) == []


def test_an_author_who_is_staff_for_the_admin_still_sees_only_their_own(client, other_author, sold_article):
    other_author.user.is_staff = True
    other_author.user.save()
    client.force_login(other_author.user)
    assert sold_article.title not in client.get(overview_url()).content.decode()


def test_site_staff_see_the_whole_site_and_can_filter_by_author(client, author, other_author, sold_article):
    theirs = make_article(author=other_author, title="A rival story")
    editor = make_user(is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="view_site_dashboard"))
    client.force_login(editor)
    page = client.get(overview_url()).content.decode()
    assert sold_article.title in page and theirs.title in page
    filtered = client.get(overview_url(author=other_author.slug)).content.decode()
    assert theirs.title in filtered and sold_article.title not in filtered
    assert client.get(reverse("dashboard:article", args=[sold_article.slug])).status_code == 200


def test_the_article_page_shows_that_articles_figures(client, author, sold_article):
    client.force_login(author.user)
    page = client.get(reverse("dashboard:article", args=[sold_article.slug]) + "?period=7").content.decode()
    assert sold_article.title in page and 'aria-current="page"' in page and "$5.40" in page


def test_csv_export_lists_each_articles_figures_without_locked_text(client, author, sold_article):
    services.record_view(article_id=sold_article.pk, paywalled=True)
    client.force_login(author.user)
    response = client.get(reverse("dashboard:export") + "?period=30")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode("utf-8-sig")
    assert LOCKED_SENTINEL not in body and LOCKED_ONLY_WORD not in body
    [row] = rows_of(response)
    assert row["article"] == "lighthouse-ledger" and row["unlocks"] == "4" and row["undos"] == "1"
    assert row["paywall_impressions"] == "1" and row["conversion"] == "4.0000"
    assert row["earnings_USD_minor"] == "540"


def test_csv_by_day_and_per_article_have_a_row_per_day(client, author, sold_article):
    client.force_login(author.user)
    assert len(rows_of(client.get(reverse("dashboard:export") + "?period=7&by=day"))) == 7
    rows = rows_of(client.get(reverse("dashboard:article_export", args=[sold_article.slug]) + "?period=7"))
    assert len(rows) == 7 and sum(int(r["unlocks"]) for r in rows) == 4


def test_csv_quotes_titles_a_spreadsheet_would_run_as_formulas(client, author):
    make_article(author=author, title="=HYPERLINK(\"http://evil\")", slug="formula")
    client.force_login(author.user)
    [row] = rows_of(client.get(reverse("dashboard:export")))
    assert row["title"].startswith("'=")


def dashboard_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(overview_url()).status_code == 200
    return len(queries)


def test_the_dashboard_takes_the_same_few_queries_for_one_article_or_many(client, author, sold_article):
    client.force_login(author.user)
    services.record_view(article_id=sold_article.pk, paywalled=True)
    client.get(reverse("articles:home"))  # loads the signed-in user, whose row is cached from then on
    few = dashboard_queries(client)
    for number in range(6):
        article = make_article(author=author, title=f"More {number}")
        services.record_view(article_id=article.pk, paywalled=True)
    assert dashboard_queries(client) == few
    assert few <= 20


def test_the_header_links_the_dashboard_for_staff_and_the_earnings_page_for_authors(client, author, sold_article):
    client.force_login(author.user)
    assert reverse("dashboard:overview") in client.get(reverse("purchases:earnings")).content.decode()
    author.user.is_staff = True
    author.user.save()
    assert reverse("dashboard:overview") in client.get(reverse("articles:home")).content.decode()


def test_the_article_list_shows_drafts_and_scheduled_articles_as_what_they_are(client, author):
    import datetime as dt

    from django.utils import timezone

    make_article(author=author, title="Still a draft", status="draft", published_at=None)
    make_article(author=author, title="Coming soon", published_at=timezone.now() + dt.timedelta(days=3))
    make_article(author=author, title="Out now")
    client.force_login(author.user)
    rows = {line.split("</a>")[0].rsplit(">", 1)[-1]: line for line in client.get(
        overview_url()).content.decode().split('<th scope="row">')[1:]}
    assert "draft" in rows["Still a draft"] and "scheduled for" in rows["Coming soon"]
    assert "draft" not in rows["Out now"].split("</th>")[0] and "scheduled" not in rows["Out now"].split("</th>")[0]

"""Counting preview views and paywall impressions: in the cache, on every page view that counts
(cached pages included), never for bots, HEAD requests, authors, staff or free articles."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from byline.dashboard import services
from byline.dashboard.models import ArticleDay
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0"}


def counts(article):
    services.flush_view_counters()
    row = ArticleDay.objects.filter(article=article, day=timezone.localdate()).first()
    return (row.preview_views, row.paywall_impressions) if row else (0, 0)


def test_anonymous_views_count_as_preview_views_and_paywall_impressions_even_from_the_page_cache(client, paid_article):
    url = paid_article.get_absolute_url()
    client.get(url, **BROWSER)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, **BROWSER)  # served from the page cache
    assert len(queries) == 0  # neither the cached page nor counting it costs a query
    assert counts(paid_article) == (2, 2)


def test_a_reader_who_owns_the_article_is_a_view_but_no_paywall_impression(client, funded_reader, paid_article):
    from byline.purchases.services import unlock_with_wallet
    from tests.ledger.conftest import new_key

    client.force_login(funded_reader)
    client.get(paid_article.get_absolute_url(), **BROWSER)
    unlock_with_wallet(reader=funded_reader, article=paid_article, idempotency_key=new_key())
    client.get(paid_article.get_absolute_url(), **BROWSER)
    assert counts(paid_article) == (2, 1)


def test_bots_head_requests_and_empty_user_agents_are_not_counted(client, paid_article):
    url = paid_article.get_absolute_url()
    client.get(url, HTTP_USER_AGENT="Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
    client.get(url, HTTP_USER_AGENT="facebookexternalhit/1.1")
    client.get(url)  # no User-Agent at all
    client.head(url, **BROWSER)
    assert counts(paid_article) == (0, 0)


def test_the_author_and_staff_are_not_counted(client, paid_article, author):
    client.force_login(author.user)
    client.get(paid_article.get_absolute_url(), **BROWSER)
    client.force_login(make_user(is_staff=True, is_superuser=True))
    client.get(paid_article.get_absolute_url(), **BROWSER)
    assert counts(paid_article) == (0, 0)


def test_free_articles_have_no_preview_to_count(client, free_article):
    client.get(free_article.get_absolute_url(), **BROWSER)
    assert counts(free_article) == (0, 0)


def test_a_flush_moves_counts_once_and_keeps_views_counted_afterwards(paid_article):
    for _ in range(3):
        services.record_view(article_id=paid_article.pk, paywalled=True)
    assert services.flush_view_counters() == 1
    assert services.flush_view_counters() == 0  # nothing pending: nothing added twice
    services.record_view(article_id=paid_article.pk, paywalled=False)
    assert counts(paid_article) == (4, 3)


def test_a_flush_already_running_elsewhere_is_not_doubled(paid_article):
    services.record_view(article_id=paid_article.pk, paywalled=True)
    cache.add(services.FLUSH_LOCK, 1, 60)
    assert services.flush_view_counters() == 0
    cache.delete(services.FLUSH_LOCK)
    assert counts(paid_article) == (1, 1)


def test_counters_hold_no_personal_data():
    fields = {field.name for field in ArticleDay._meta.get_fields()}
    assert fields == {"id", "article", "day", "preview_views", "paywall_impressions"}

"""The demo gives every demo author a dashboard with something on it, and loading it twice adds nothing."""

import os

import pytest
from django.core.management import call_command

from byline.articles.models import Author
from byline.dashboard import selectors
from byline.dashboard.models import ArticleDay
from byline.purchases.models import Purchase

pytestmark = pytest.mark.django_db


def test_demo_authors_have_views_unlocks_and_earnings_and_a_second_load_changes_nothing():
    call_command("load_demo", stdout=open(os.devnull, "w"))
    counts = (ArticleDay.objects.count(), Purchase.objects.count())
    call_command("load_demo", stdout=open(os.devnull, "w"))
    assert (ArticleDay.objects.count(), Purchase.objects.count()) == counts
    for author in Author.objects.all():
        total = selectors.report(author=author, window=selectors.Window.last_days(30)).total
        assert total.views > 0 and total.paywall > 0 and total.unlocks > 0 and total.earnings, author.slug
    assert Purchase.objects.filter(status="undone").count() == 1

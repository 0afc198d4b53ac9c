"""The access decision: who reads the locked part, and why."""

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.utils import timezone

from byline.access.decision import Reason, decide, readable_ids
from byline.articles.models import Status, Visibility
from tests.conftest import make_article, make_user

pytestmark = pytest.mark.django_db


def test_anonymous_reader_is_locked_out_of_a_paid_article(paid_article):
    access = decide(AnonymousUser(), paid_article)
    assert not access.allowed and access.reason is Reason.LOCKED
    assert not decide(None, paid_article)


def test_signed_in_reader_without_entitlement_is_locked_out(paid_article, reader):
    assert decide(reader, paid_article).reason is Reason.LOCKED


def test_free_article_is_open_to_everyone(free_article):
    assert decide(AnonymousUser(), free_article).reason is Reason.FREE


def test_author_reads_their_own_article(paid_article):
    assert decide(paid_article.author.user, paid_article).reason is Reason.AUTHOR


def test_superuser_and_staff_with_permission_read_everything(paid_article):
    assert decide(make_user(is_staff=True, is_superuser=True), paid_article).reason is Reason.STAFF
    editor = make_user(is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="read_all_articles"))
    assert decide(type(editor).objects.get(pk=editor.pk), paid_article).reason is Reason.STAFF


def test_staff_without_permission_is_an_ordinary_reader(paid_article):
    assert not decide(make_user(is_staff=True), paid_article)


def test_inactive_author_is_locked_out(paid_article):
    user = paid_article.author.user
    user.is_active = False
    assert not decide(user, paid_article)


def test_draft_is_locked_even_when_free_except_for_its_author(author):
    draft = make_article(author=author, visibility=Visibility.FREE, price_minor=0, status=Status.DRAFT,
                         published_at=None)
    assert not decide(AnonymousUser(), draft)
    assert decide(author.user, draft).reason is Reason.AUTHOR


def test_scheduled_article_opens_when_its_time_comes(author):
    later = make_article(author=author, visibility=Visibility.FREE, price_minor=0, status=Status.SCHEDULED,
                         published_at=timezone.now() + timezone.timedelta(hours=1))
    assert not decide(AnonymousUser(), later)
    later.published_at = timezone.now() - timezone.timedelta(seconds=1)
    assert decide(AnonymousUser(), later).reason is Reason.FREE


def test_a_gift_grant_counts_only_when_a_check_accepts_it(paid_article):
    assert not decide(AnonymousUser(), paid_article, grant="made-up-token")


def test_readable_ids_agrees_with_decide(paid_article, free_article, reader):
    articles = [paid_article, free_article]
    for person in (AnonymousUser(), reader, paid_article.author.user):
        expected = {a.pk for a in articles if decide(person, a).allowed}
        assert readable_ids(person, articles) == expected

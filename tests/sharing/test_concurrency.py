"""Gift limits hold under concurrency: row locks on PostgreSQL, not luck."""

import threading

import pytest
from django.db import connection, connections, transaction

from byline.access.decision import Reason, decide
from byline.sharing import services
from byline.sharing.models import GiftLink, GiftRedemption, GiftStatus
from tests.conftest import make_article, make_author, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(count: int, action) -> list:
    """Start `count` threads at once (each with its own database connection) and collect their results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = action(index)
        except Exception as error:  # reported by the test below
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_twenty_concurrent_readers_redeeming_a_five_use_gift_get_exactly_five_accesses():
    article = make_article(author=make_author())
    gift = services.create_gift_link(giver=article.author.user, article=article)
    readers = [make_user() for _ in range(20)]
    results = run_together(20, lambda i: services.redeem_gift_link(token=gift.token, recipient=readers[i]))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.status for r in results).count("granted") == 5
    assert sum(decide(reader, article).reason == Reason.GIFT for reader in readers) == 5
    assert GiftLink.objects.get(pk=gift.pk).redemption_count == 5
    assert GiftRedemption.objects.filter(gift=gift).count() == 5


def test_concurrent_gift_creation_never_exceeds_the_monthly_quota():
    article = make_article(author=make_author())
    giver = article.author.user

    def create(_index):
        try:
            return services.create_gift_link(giver=giver, article=article)
        except services.ValidationError as error:
            return error.code

    results = run_together(12, create)
    assert sum(isinstance(r, GiftLink) for r in results) == 5
    assert results.count("quota") == 7


def test_visits_that_take_no_use_are_answered_while_another_holds_the_gifts_lock():
    """Late visitors of a used-up link, and returning ones, never wait on the gift's row lock (a lock
    timeout here would raise): only a visit that takes a use queues for it."""
    article = make_article(author=make_author())
    gift = services.create_gift_link(giver=article.author.user, article=article)
    holders = [make_user() for _ in range(5)]
    for reader in holders:
        assert services.redeem_gift_link(token=gift.token, recipient=reader).status == "granted"
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        try:
            with transaction.atomic():
                GiftLink.objects.select_for_update().get(pk=gift.pk)
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert locked.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '500ms'")
        late = services.redeem_gift_link(token=gift.token, new_browser_key="late-browser")
        back = services.redeem_gift_link(token=gift.token, recipient=holders[0])
        assert (late.status, late.browser_key) == (GiftStatus.USED_UP, None)
        assert back.status == "kept"
    finally:
        release.set()
        holder.join()
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
    assert GiftLink.objects.get(pk=gift.pk).redemption_count == 5

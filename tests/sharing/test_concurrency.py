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


def _someone_waits_for_a_row_lock() -> bool:
    """Whether another connection of this database is waiting for a lock now (polled, bounded)."""
    for _ in range(200):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock'")
            if cursor.fetchone()[0]:
                return True
        threading.Event().wait(0.05)
    return False


def test_a_gift_made_while_its_purchase_is_being_undone_waits_and_is_refused():
    """Undoing a purchase and making a gift from it take the giver's row lock first, so a gift is either
    made before the undo (and ended by it) or decided after it (and refused): never made from an undone
    purchase and left alive."""
    from byline.purchases import services as purchases
    from tests.ledger.conftest import fund

    article = make_article(author=make_author())
    buyer = make_user()
    fund(buyer, 1000)
    purchase = purchases.unlock_with_wallet(reader=buyer, article=article, idempotency_key="undo-race")
    undoing, release = threading.Event(), threading.Event()
    outcome: list = []

    def undo_held_open() -> None:
        try:
            with transaction.atomic():
                purchases.undo_purchase(reader=buyer, purchase_id=purchase.pk)
                undoing.set()
                release.wait(30)
        finally:
            connections.close_all()

    def give() -> None:
        try:
            outcome.append(services.create_gift_link(giver=buyer, article=article))
        except services.ValidationError as error:
            outcome.append(error.code)
        finally:
            connections.close_all()

    undo, gift = threading.Thread(target=undo_held_open), threading.Thread(target=give)
    undo.start()
    try:
        assert undoing.wait(10)
        gift.start()
        assert _someone_waits_for_a_row_lock(), "the gift was decided without waiting for the undo"
    finally:
        release.set()
        undo.join()
        gift.join()
    assert outcome == ["no_access"]
    assert not GiftLink.objects.filter(giver=buyer).exists()

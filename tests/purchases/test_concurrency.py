"""Under real concurrency (PostgreSQL row locks): no double charges, no overdraft, nothing half-done."""

import os
import signal
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection, connections

from byline.articles.services import set_sales_terms
from byline.ledger.invariants import assert_balanced
from byline.ledger.models import Account, AccountKind
from byline.payments.services import start_topup
from byline.payments.webhooks import receive
from byline.purchases import services
from byline.purchases.errors import NotEnoughInWallet
from byline.purchases.models import Purchase
from byline.sharing import services as sharing
from tests.conftest import make_article, make_author, make_user
from tests.ledger.conftest import balance, fund, new_key

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def run_concurrently(count: int, work):
    def wrapped(index):
        try:
            return work(index)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(wrapped, range(count)))


def test_fifty_concurrent_unlocks_against_a_wallet_that_affords_seven_make_seven_purchases(author):
    reader = make_user()
    articles = [make_article(author=author) for _ in range(50)]
    fund(reader, 7 * 300 + 299)

    def unlock(index):
        try:
            services.unlock_with_wallet(reader=reader, article=articles[index], idempotency_key=new_key())
            return "bought"
        except NotEnoughInWallet:
            return "short"

    outcomes = run_concurrently(50, unlock)
    assert outcomes.count("bought") == 7 and Purchase.objects.count() == 7
    assert balance(reader) == 299
    assert_balanced()


def test_two_writers_who_refer_each_others_readers_sell_at_once_without_waiting_in_a_cycle():
    """Twenty readers buy at once, half from writer A with writer B as the referrer, half the other way: every
    sale touches both writers' earnings and the fees row, in opposite order of their legs. The balances are
    updated in account order (ledger.transfer, one statement on PostgreSQL), so none waits on another in a
    cycle (a deadlock would fail a purchase) and every balance is the sum of its sales."""
    writers = [make_author(), make_author()]
    for writer in writers:
        set_sales_terms(author=writer, referral_percent=20, refund_hours=0)
    readers = [make_user() for _ in range(20)]
    articles = [type(article).objects.select_related("author").get(pk=article.pk)
                for article in (make_article(author=writers[n % 2]) for n in range(20))]
    for n, reader in enumerate(readers):
        fund(reader, 300)
        referrer = writers[(n + 1) % 2].user
        code = sharing.referral_codes_for(sharer=referrer)["link"]
        assert sharing.record_visit(article=articles[n], code=code, reader=reader) is not None
    bought = run_concurrently(20, lambda n: services.unlock_with_wallet(
        reader=readers[n], article=articles[n], idempotency_key=new_key()))
    assert all(purchase.commission_minor == 54 for purchase in bought) and Purchase.objects.count() == 20
    earnings = dict(Account.objects.filter(kind=AccountKind.EARNINGS, owner__in=[w.user for w in writers])
                    .values_list("owner_id", "balance"))
    # Each writer: ten sales at 270 less 54 commission, ten commissions of 54 on the other's sales.
    assert earnings == {writer.user_id: 10 * (270 - 54) + 10 * 54 for writer in writers}
    assert Account.objects.get(kind=AccountKind.FEES, currency="USD").balance == 20 * 30
    assert all(balance(reader) == 0 for reader in readers)
    assert_balanced()


def test_twenty_concurrent_requests_with_one_key_create_one_purchase(paid_article):
    reader = make_user()
    fund(reader, 5000)
    key = new_key()
    ids = run_concurrently(20, lambda _: services.unlock_with_wallet(reader=reader, article=paid_article,
                                                                     idempotency_key=key).pk)
    assert len(set(ids)) == 1 and Purchase.objects.count() == 1 and balance(reader) == 4700
    assert_balanced()


def test_twenty_concurrent_unlocks_of_one_article_with_different_keys_charge_once(paid_article):
    """No purchase is read before the writes: the one active purchase per reader and article refuses the
    others, whose whole transaction (transfer, entries, balances) rolls back; each gets the purchase."""
    reader = make_user()
    fund(reader, 5000)
    ids = run_concurrently(20, lambda _: services.unlock_with_wallet(reader=reader, article=paid_article,
                                                                     idempotency_key=new_key()).pk)
    assert len(set(ids)) == 1 and Purchase.objects.count() == 1 and balance(reader) == 4700
    assert_balanced()


def test_twenty_concurrent_deliveries_of_one_webhook_credit_once():
    from tests.payments.conftest import signed
    from tests.payments.test_sandbox import _completed_event

    reader = make_user()
    checkout = start_topup(reader=reader, amount_minor=1000, currency="USD", idempotency_key=new_key(),
                           success_url="http://t/r/", cancel_url="http://t/")
    body, headers = signed(_completed_event(checkout, "evt_concurrent"))
    statuses = run_concurrently(20, lambda _: receive(provider_name="sandbox", body=body, headers=headers).status)
    assert set(statuses) == {200}
    assert balance(reader) == 1000
    assert_balanced()


def test_a_worker_killed_inside_a_purchase_leaves_nothing_half_done(paid_article):
    reader = make_user()
    fund(reader, 1000)
    script = textwrap.dedent(f"""
        import django, sys
        django.setup()
        from django.contrib.auth import get_user_model
        from django.db import transaction
        from byline.articles.models import Article
        from byline.purchases.services import unlock_with_wallet
        with transaction.atomic():
            unlock_with_wallet(reader=get_user_model().objects.get(pk={reader.pk}),
                               article=Article.objects.get(pk={paid_article.pk}), idempotency_key="killed")
            print("inside", flush=True)
            sys.stdin.readline()  # hold the transaction open until the parent kills us
    """)
    settings_dict = connection.settings_dict
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.settings",
               DATABASE_URL=f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/"
                            f"{settings_dict['NAME']}")
    worker = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert worker.stdout.readline().strip() == "inside", worker.stderr.read()
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == -signal.SIGKILL
    assert not Purchase.objects.exists() and balance(reader) == 1000
    assert_balanced()
    # The killed worker's row locks are gone: the same purchase goes through now.
    services.unlock_with_wallet(reader=reader, article=paid_article, idempotency_key="after-kill")
    assert balance(reader) == 700


def test_twenty_four_concurrent_undos_of_six_purchases_undo_exactly_the_allowance(author, settings):
    from byline.purchases.errors import UndoRefused
    from byline.purchases.models import PurchaseStatus

    reader = make_user()
    fund(reader, 6 * 300)
    bought = [services.unlock_with_wallet(reader=reader, article=make_article(author=author),
                                          idempotency_key=new_key()) for _ in range(6)]

    def undo(index):
        try:
            services.undo_purchase(reader=reader, purchase_id=bought[index % 6].pk)
            return "undone"
        except UndoRefused:
            return "refused"

    run_concurrently(24, undo)
    undone = Purchase.objects.filter(reader=reader, status=PurchaseStatus.UNDONE).count()
    assert undone == settings.UNDO_LIMIT == 3
    assert balance(reader) == 3 * 300
    assert_balanced()

"""Receipts go through an outbox (mail.models.ReceiptDue): the purchase writes the row in its own transaction
(on PostgreSQL inside the wallet path's one statement), a sender sends and deletes it. Without workers (tests,
the demo) it is sent as the purchase commits; with workers, beat's `send_due_receipts` sends it. Received through
a real SMTP server."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connections
from django.utils import timezone, translation

from byline.mail.models import ReceiptDue
from byline.mail.receipts import MAX_ATTEMPTS, send_due_receipts
from byline.purchases import services
from byline.purchases.errors import NotEnoughInWallet
from tests.audience.conftest import free_port, smtp_sink  # noqa: F401 (the fixture)
from tests.conftest import make_article, make_user
from tests.ledger.conftest import fund, new_key

pytestmark = pytest.mark.django_db


def test_without_workers_the_receipt_goes_as_the_purchase_commits(
        paid_article, smtp_sink, django_capture_on_commit_callbacks):  # noqa: F811
    reader = make_user("eager")
    fund(reader, 1000)
    with django_capture_on_commit_callbacks(execute=True):
        services.unlock_with_wallet(reader=reader, article=paid_article, idempotency_key=new_key())
    [receipt] = smtp_sink.to(reader.email)
    assert paid_article.title in receipt["Subject"]
    assert not ReceiptDue.objects.exists()


def test_with_workers_the_purchase_leaves_its_receipt_in_the_outbox_for_the_sender(
        settings, paid_article, smtp_sink, django_capture_on_commit_callbacks):  # noqa: F811
    settings.CELERY_TASK_ALWAYS_EAGER = False
    reader = make_user("queued")
    fund(reader, 1000)
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        purchase = services.unlock_with_wallet(reader=reader, article=paid_article, idempotency_key=new_key())
    assert smtp_sink.to(reader.email) == []
    due = ReceiptDue.objects.get()
    assert (due.purchase_id, due.language, due.attempts) == (purchase.pk, "zh-hans", 0)
    assert send_due_receipts() == 1
    [receipt] = smtp_sink.to(reader.email)
    assert "收据" in receipt["Subject"] and paid_article.title in receipt["Subject"]
    assert not ReceiptDue.objects.exists() and send_due_receipts() == 0
    assert len(smtp_sink.to(reader.email)) == 1


def test_a_refused_purchase_leaves_no_receipt(settings, paid_article):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    reader = make_user("poor")
    fund(reader, 1)
    with pytest.raises(NotEnoughInWallet):
        services.unlock_with_wallet(reader=reader, article=paid_article, idempotency_key=new_key())
    assert not ReceiptDue.objects.exists()


def _three_purchases(author) -> list:
    reader = make_user("buyer")
    fund(reader, 10_000)
    return [services.unlock_with_wallet(reader=reader, article=make_article(author=author, price_minor=100),
                                        idempotency_key=new_key()) for _ in range(3)]


def test_a_mail_server_that_refuses_keeps_every_receipt_for_later(settings, author, smtp_sink):  # noqa: F811
    settings.CELERY_TASK_ALWAYS_EAGER = False
    purchases = _three_purchases(author)
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there: the connection is refused
    assert send_due_receipts() == 0
    first, *rest = ReceiptDue.objects.order_by("pk")
    assert first.attempts == 1 and first.not_before > timezone.now()  # tried, and waits before the next try
    assert all(row.attempts == 0 and row.not_before <= timezone.now() for row in rest)  # not tried: due now
    settings.EMAIL_PORT = port
    assert send_due_receipts() == 2  # the two untried ones; the refused one waits its turn
    ReceiptDue.objects.update(not_before=timezone.now())
    assert send_due_receipts() == 1
    assert len(smtp_sink.received) == 3 and not ReceiptDue.objects.exists()
    assert sorted(m.message["Subject"] for m in smtp_sink.received) == sorted(
        f"Receipt: {p.article.title}" for p in purchases)


def test_a_receipt_refused_every_time_is_given_up_and_logged(settings, paid_article, caplog):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    reader = make_user("unlucky")
    fund(reader, 1000)
    services.unlock_with_wallet(reader=reader, article=paid_article, idempotency_key=new_key())
    for _ in range(MAX_ATTEMPTS):
        ReceiptDue.objects.update(not_before=timezone.now())
        assert send_due_receipts() == 0
    assert not ReceiptDue.objects.exists()
    assert "given up" in caplog.text


@pytest.mark.postgres  # SQLite's in-memory test database answers two writers "table is locked" at once
@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_receipt_once(settings, author, smtp_sink):  # noqa: F811
    settings.CELERY_TASK_ALWAYS_EAGER = False
    reader = make_user("many")
    fund(reader, 100_000)
    for _ in range(24):
        services.unlock_with_wallet(reader=reader, article=make_article(author=author, price_minor=100),
                                    idempotency_key=uuid.uuid4().hex)
    counts, start = [], threading.Barrier(2)

    def sender() -> None:
        try:
            start.wait()
            counts.append(send_due_receipts())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 24 and len(smtp_sink.received) == 24
    subjects = [m.message["Subject"] for m in smtp_sink.received]
    assert len(set(subjects)) == 24  # every article's receipt once: none twice, none missing
    assert not ReceiptDue.objects.exists()

"""Probe: a purchase undone before its receipt went out (the outbox waits for beat's sender) gets no receipt: the
charge did not stand, and a "Receipt" for money already back in the wallet misleads the reader."""

from __future__ import annotations

import pytest

from byline.mail.models import ReceiptDue
from byline.mail.receipts import send_due_receipts
from byline.purchases import services
from tests.audience.conftest import smtp_sink  # noqa: F401 (the fixture)
from tests.conftest import make_user
from tests.ledger.conftest import fund, new_key

pytestmark = pytest.mark.django_db


def test_a_purchase_undone_before_the_sender_ran_gets_no_receipt(settings, paid_article, smtp_sink):  # noqa: F811
    settings.CELERY_TASK_ALWAYS_EAGER = False
    reader = make_user("regretful")
    fund(reader, 1000)
    purchase = services.unlock_with_wallet(reader=reader, article=paid_article, idempotency_key=new_key())
    services.undo_purchase(reader=reader, purchase_id=purchase.pk)
    assert ReceiptDue.objects.filter(purchase_id=purchase.pk).exists()
    send_due_receipts()
    assert smtp_sink.to(reader.email) == []
    assert not ReceiptDue.objects.exists()  # dropped, not retried for ever


def test_a_purchase_kept_still_gets_its_receipt(settings, paid_article, smtp_sink):  # noqa: F811
    settings.CELERY_TASK_ALWAYS_EAGER = False
    reader = make_user("content")
    fund(reader, 1000)
    services.unlock_with_wallet(reader=reader, article=paid_article, idempotency_key=new_key())
    assert send_due_receipts() == 1
    assert len(smtp_sink.to(reader.email)) == 1

"""The receipts still to send: a transactional outbox.

A purchase writes its `ReceiptDue` row in its own transaction (on PostgreSQL's wallet path, inside the one
statement that posts the purchase), so a receipt is never lost to a process that dies between the commit and
handing the e-mail to a task queue, and the unlock pays no round trip to the queue. `receipts.send_due_receipts`
sends and deletes them: at once after the commit when tasks run in-process (the demo, tests), else every few
seconds from beat (`CELERY_BEAT_SCHEDULE["send-receipts"]`).
"""

from django.db import models
from django.utils import timezone


class ReceiptDue(models.Model):
    # Not a foreign key: mail sits below purchases (docs/DEVELOPING.md, "Layers"), and purchases are never
    # deleted (a row whose purchase is gone is dropped by the sender).
    purchase_id = models.BigIntegerField(primary_key=True)
    language = models.CharField(max_length=16)  # of the request that made the purchase, the fallback
    created_at = models.DateTimeField(default=timezone.now)
    # When a sender may take it: now for a new row; later while a sender holds it, or after a failed try.
    not_before = models.DateTimeField(default=timezone.now, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "receipt due"

    def __str__(self) -> str:
        return f"receipt of purchase {self.purchase_id}"

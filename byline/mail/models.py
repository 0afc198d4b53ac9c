"""The receipts still to send: a transactional outbox.

A purchase writes its `ReceiptDue` row in its own transaction (on PostgreSQL's wallet path, inside the one
statement that posts the purchase), so a receipt is never lost to a process that dies between the commit and
handing the e-mail to a task queue, and the unlock pays no round trip to the queue. `receipts.send_due_receipts`
sends and deletes them: at once after the commit when tasks run in-process (the demo, tests), else every few
seconds from beat (`CELERY_BEAT_SCHEDULE["send-receipts"]`).
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReceiptDue(models.Model):
    # Not a foreign key: mail sits below purchases (docs/DEVELOPING.md, "Layers"), and purchases are never
    # deleted (a row whose purchase is gone is dropped by the sender).
    purchase_id = models.BigIntegerField(_("purchase"), primary_key=True)
    # Of the request that made the purchase: the fallback when the reader chose none for e-mail.
    language = models.CharField(_("language"), max_length=16)
    created_at = models.DateTimeField(_("bought at"), default=timezone.now)
    # When a sender may take it: now for a new row; later while a sender holds it, or after a failed try.
    not_before = models.DateTimeField(_("next try"), default=timezone.now, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("tries"), default=0)

    class Meta:
        verbose_name = _("receipt waiting to be sent")
        verbose_name_plural = _("receipts waiting to be sent")

    def __str__(self) -> str:
        return f"receipt of purchase {self.purchase_id}"

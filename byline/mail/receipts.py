"""A receipt by e-mail for every purchase, on the shared templates (`transactional`), in the reader's language.

It carries the title, the price and links (the article, the printable receipt page); never any of the
article's text, so it is the same for everyone and needs no access decision.

Delivery goes through an outbox (`models.ReceiptDue`): the purchase writes the row in its own transaction, so the
unlock never waits on a mail server or a task queue and no receipt is lost between the commit and a queue.
`send_due_receipts` takes rows (SKIP LOCKED, so several senders never take the same one), sends and deletes
them. A sender that dies after the mail server took a message but before deleting its row sends it again once the
claim runs out (`CLAIM_FOR`): at least once, since a second receipt is better than none. A mail server that
refuses is tried again later, `MAX_ATTEMPTS` times in all.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from byline.mail import transactional
from byline.mail.models import ReceiptDue

log = logging.getLogger(__name__)

CLAIM_FOR = timedelta(minutes=10)  # how long a sender holds the rows it took before another may take them
MAX_ATTEMPTS = 6
BATCH = 20


def receipt_due_insert(*, language: str) -> tuple[str, list]:
    """The outbox row of a purchase as the second INSERT of the wallet path's one statement
    (`ledger.transfer(after_row=...)`), reading the new purchase's id from `caller`."""
    now = timezone.now()
    return (f"INSERT INTO {ReceiptDue._meta.db_table} (purchase_id, language, created_at, not_before, attempts) "
            "SELECT id, %s, %s, %s, 0 FROM caller", [language, now, now])


def request_language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


@receiver(post_save, sender="purchases.Purchase", dispatch_uid="mail-receipt-on-purchase")
def purchase_made(sender: Any, instance: Any, created: bool = False, raw: bool = False, **kwargs: Any) -> None:
    if raw or not created:
        return
    purchase_id = instance.pk
    if not getattr(instance, "receipt_due_written", False):  # the wallet path wrote it in its own statement
        ReceiptDue.objects.create(purchase_id=purchase_id, language=request_language())
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # No workers (the demo, tests): send it now, as a queued task would have.
        transaction.on_commit(lambda: send_due_receipts(only=purchase_id), robust=True)


@shared_task(name="byline.mail.send_due_receipts")
def send_due_receipts(*, only: int | None = None, limit: int = 500) -> int:
    """Send up to `limit` receipts whose time has come (only purchase `only`'s, if given); returns how many went.
    Stops at the first refusal of the mail server: the rest wait for the next run."""
    sent = 0
    while sent < limit:
        taken = _take(only=only, count=min(BATCH, limit - sent))
        if not taken:
            break
        for position, due in enumerate(taken):
            try:
                send_receipt(due.purchase_id, due.language)
            except OSError:  # smtplib's errors are OSErrors; so are a refused or dropped connection
                _failed(due)
                _give_back(taken[position + 1:])
                return sent
            ReceiptDue.objects.filter(pk=due.pk).delete()
            sent += 1
        if only is not None:
            break
    return sent


def _take(*, only: int | None, count: int) -> list[ReceiptDue]:
    """Claim up to `count` due rows for this sender, in one short transaction."""
    now = timezone.now()
    with transaction.atomic():
        due = ReceiptDue.objects.select_for_update(skip_locked=True).filter(not_before__lte=now)
        if only is not None:
            due = due.filter(pk=only)
        taken = list(due.order_by("not_before", "pk")[:count])
        if taken:
            ReceiptDue.objects.filter(pk__in=[row.pk for row in taken]).update(
                not_before=now + CLAIM_FOR, attempts=F("attempts") + 1)
    return taken


def _failed(due: ReceiptDue) -> None:
    attempts = due.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        log.error("receipt of purchase %s not sent after %s attempts; given up", due.purchase_id, attempts)
        ReceiptDue.objects.filter(pk=due.pk).delete()
        return
    log.warning("receipt of purchase %s not sent (attempt %s); trying again later", due.purchase_id, attempts,
                exc_info=True)
    ReceiptDue.objects.filter(pk=due.pk).update(not_before=timezone.now() + timedelta(minutes=2 ** attempts))


def _give_back(rows: list[ReceiptDue]) -> None:
    """Rows taken but not tried (the mail server refused an earlier one): due again now, this claim not counted."""
    if rows:
        ReceiptDue.objects.filter(pk__in=[row.pk for row in rows]).update(
            not_before=timezone.now(), attempts=F("attempts") - 1)


def send_receipt(purchase_id: int, request_language: str) -> bool:
    purchase = (apps.get_model("purchases", "Purchase").objects.select_related("reader", "article")
                .defer("article__locked_html", "article__body_markdown", "article__preview_html")
                .filter(pk=purchase_id).first())
    if purchase is None or not purchase.reader.email or not purchase.reader.is_active:
        return False
    if purchase.status != "active":
        # Undone (or refunded) before the sender came to it: the charge did not stand, so no receipt for it.
        # A string, not PurchaseStatus: mail sits below purchases (docs/DEVELOPING.md, "Layers").
        return False
    language = transactional.language_for(purchase.reader, request_language)
    with translation.override(language):
        article_url = settings.SITE_URL + purchase.article.get_absolute_url()
        wallet_url = settings.SITE_URL + reverse("purchases:receipt", args=[purchase.transfer_id])
    transactional.send(
        template="mail/email/receipt", to=purchase.reader.email, language=language,
        subject=lambda: _("Receipt: %(title)s") % {"title": purchase.article.title},
        context={"title": purchase.article.title, "price": purchase.price_minor, "currency": purchase.currency,
                 "when": purchase.created_at, "number": purchase.transfer_id, "article_url": article_url,
                 "wallet_url": wallet_url})
    return True

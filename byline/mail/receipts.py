"""A receipt by e-mail for every purchase, on the shared templates (`transactional`), in the reader's language.

It carries the title, the price and links (the article, the printable receipt page); never any of the
article's text, so it is the same for everyone and needs no access decision. Sent after the purchase
commits, by a task: the unlock itself never waits on a mail server.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from byline.mail import transactional


@receiver(post_save, sender="purchases.Purchase", dispatch_uid="mail-receipt-on-purchase")
def purchase_made(sender: Any, instance: Any, created: bool = False, raw: bool = False, **kwargs: Any) -> None:
    if raw or not created:
        return
    purchase_id, language = instance.pk, translation.get_language() or settings.LANGUAGE_CODE
    transaction.on_commit(lambda: send_receipt.delay(purchase_id, language), robust=True)


@shared_task(name="byline.mail.send_receipt", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_receipt(purchase_id: int, request_language: str) -> bool:
    purchase = (apps.get_model("purchases", "Purchase").objects.select_related("reader", "article")
                .defer("article__locked_html", "article__body_markdown", "article__preview_html")
                .filter(pk=purchase_id).first())
    if purchase is None or not purchase.reader.email or not purchase.reader.is_active:
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

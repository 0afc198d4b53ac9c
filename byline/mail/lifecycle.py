"""E-mails about what happened to a reader's money, on the shared templates (`transactional`), in their language:
a purchase undone or refunded, a membership renewed, a membership ended.

Each one follows a row written by the app that owns it (purchases), through `post_save` (as the receipt does):
the apps that move money never wait on a mail server, and this module imports none of them. Sent after the
transaction commits, by a task. None carries article text (titles, prices, dates and links only), so none needs
an access decision: the same message whoever reads it.
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

# Purchase.status values (purchases.models.PurchaseStatus) that end a purchase with the money back.
ENDED_PURCHASE = {"undone", "refunded", "returned"}


def _request_language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def _status_written(update_fields: Any) -> bool:
    return update_fields is not None and "status" in update_fields


def _site(path: str) -> str:
    return settings.SITE_URL + path


@receiver(post_save, sender="purchases.Purchase", dispatch_uid="mail-purchase-ended")
def purchase_saved(sender: Any, instance: Any, created: bool = False, raw: bool = False, update_fields: Any = None,
                   **kwargs: Any) -> None:
    if raw or created or not _status_written(update_fields) or instance.status not in ENDED_PURCHASE:
        return
    purchase_id, language = instance.pk, _request_language()
    transaction.on_commit(lambda: send_purchase_ended.delay(purchase_id, language), robust=True)


@shared_task(name="byline.mail.send_purchase_ended", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_purchase_ended(purchase_id: int, request_language: str) -> bool:
    purchase = (apps.get_model("purchases", "Purchase").objects.select_related("reader", "article")
                .defer("article__locked_html", "article__body_markdown", "article__preview_html")
                .filter(pk=purchase_id).first())
    if purchase is None or purchase.status not in ENDED_PURCHASE or not _reachable(purchase.reader):
        return False
    language = transactional.language_for(purchase.reader, request_language)
    with translation.override(language):
        article_url = _site(purchase.article.get_absolute_url())
        wallet_url = _site(reverse("purchases:wallet"))
    title = purchase.article.title
    subjects = {"undone": lambda: _("Purchase undone: %(title)s") % {"title": title}}
    transactional.send(
        template="mail/email/purchase_ended", to=purchase.reader.email, language=language,
        subject=subjects.get(purchase.status, lambda: _("Purchase refunded: %(title)s") % {"title": title}),
        context={"title": title, "status": purchase.status, "price": purchase.price_minor,
                 "currency": purchase.currency, "number": purchase.transfer_id, "article_url": article_url,
                 "wallet_url": wallet_url})
    return True


@receiver(post_save, sender="purchases.MembershipCharge", dispatch_uid="mail-membership-renewed")
def membership_charged(sender: Any, instance: Any, created: bool = False, raw: bool = False, **kwargs: Any) -> None:
    if raw or not created:
        return
    charge_id, language = instance.pk, _request_language()
    transaction.on_commit(lambda: send_membership_renewed.delay(charge_id, language), robust=True)


@shared_task(name="byline.mail.send_membership_renewed", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def send_membership_renewed(charge_id: int, request_language: str) -> bool:
    charge = (apps.get_model("purchases", "MembershipCharge").objects
              .select_related("membership", "membership__plan", "membership__reader").filter(pk=charge_id).first())
    # The first period's charge is the joining itself (the membership page says so): only later ones are renewals.
    if charge is None or charge.period_start <= charge.membership.period_start:
        return False
    membership = charge.membership
    if not _reachable(membership.reader):
        return False
    language = transactional.language_for(membership.reader, request_language)
    with translation.override(language):
        plan = membership.plan.display_name
        membership_url = _site(reverse("purchases:membership"))
    transactional.send(
        template="mail/email/membership_renewed", to=membership.reader.email, language=language,
        subject=lambda: _("Your membership is renewed: %(plan)s") % {"plan": plan},
        context={"plan": plan, "price": membership.price_minor, "currency": membership.currency,
                 "until": charge.period_end, "card": membership.renew_via == "card",
                 "membership_url": membership_url})
    return True


@receiver(post_save, sender="purchases.Membership", dispatch_uid="mail-membership-ended")
def membership_saved(sender: Any, instance: Any, created: bool = False, raw: bool = False, update_fields: Any = None,
                     **kwargs: Any) -> None:
    if raw or created or not _status_written(update_fields) or instance.status != "ended":
        return
    membership_id, language = instance.pk, _request_language()
    transaction.on_commit(lambda: send_membership_ended.delay(membership_id, language), robust=True)


@shared_task(name="byline.mail.send_membership_ended", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_membership_ended(membership_id: int, request_language: str) -> bool:
    Membership = apps.get_model("purchases", "Membership")
    membership = Membership.objects.select_related("plan", "reader").filter(pk=membership_id).first()
    if membership is None or membership.status != "ended" or not _reachable(membership.reader):
        return False
    # Ended because another took its place (a gift, joining another plan): nothing ended for the reader.
    if Membership.objects.filter(reader_id=membership.reader_id, status="active").exists():
        return False
    language = transactional.language_for(membership.reader, request_language)
    with translation.override(language):
        plan = membership.plan.display_name
        membership_url = _site(reverse("purchases:membership"))
        library_url = _site(reverse("accounts:library"))
    transactional.send(
        template="mail/email/membership_ended", to=membership.reader.email, language=language,
        subject=lambda: _("Your membership has ended: %(plan)s") % {"plan": plan},
        context={"plan": plan, "ended": membership.period_end, "membership_url": membership_url,
                 "library_url": library_url})
    return True


def _reachable(reader: Any) -> bool:
    return bool(reader.email) and reader.is_active

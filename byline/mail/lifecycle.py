"""E-mails about what happened to a reader's money, on the shared templates (`transactional`), in their language:
a purchase (an article's or a whole collection's) undone or refunded; a membership or a subscription to a writer
renewed, or ended.

Each one follows a row written by the app that owns it (purchases, collections, subscriptions), through
`post_save` (as the receipt does): the apps that move money never wait on a mail server, and this module
imports none of them. Sent after the transaction commits, by a task. None carries article text (titles,
prices, dates and links only), so none needs an access decision: the same message whoever reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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

# Purchase.status values (purchases.models.PurchaseStatus, and collections' CollectionPurchaseStatus) that end a
# purchase with the money back.
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
    return _send_ended(reader=purchase.reader, request_language=request_language, status=purchase.status,
                       title=purchase.article.title, page=purchase.article.get_absolute_url,
                       price=purchase.price_minor, currency=purchase.currency, number=purchase.transfer_id)


@receiver(post_save, sender="collections.CollectionPurchase", dispatch_uid="mail-collection-purchase-ended")
def collection_purchase_saved(sender: Any, instance: Any, created: bool = False, raw: bool = False,
                              update_fields: Any = None, **kwargs: Any) -> None:
    if raw or created or not _status_written(update_fields) or instance.status not in ENDED_PURCHASE:
        return
    purchase_id, language = instance.pk, _request_language()
    transaction.on_commit(lambda: send_collection_purchase_ended.delay(purchase_id, language), robust=True)


@shared_task(name="byline.mail.send_collection_purchase_ended", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def send_collection_purchase_ended(purchase_id: int, request_language: str) -> bool:
    """The same message as for an article (`purchase_ended`), naming the collection and linking to its page."""
    bought = (apps.get_model("collections", "CollectionPurchase").objects.select_related("reader", "collection")
              .filter(pk=purchase_id).first())
    if bought is None or bought.status not in ENDED_PURCHASE or not _reachable(bought.reader):
        return False
    return _send_ended(reader=bought.reader, request_language=request_language, status=bought.status,
                       title=bought.collection.title, page=bought.collection.get_absolute_url,
                       price=bought.paid_minor, currency=bought.currency, number=bought.transfer_id,
                       kind="collection")


def _send_ended(*, reader: Any, request_language: str, status: str, title: str, page: Callable[[], str],
                price: int, currency: str, number: int | None, kind: str = "article") -> bool:
    """The "purchase undone / refunded" message, for an article or a whole collection (`kind`); `page` gives the
    path of what was bought, asked in the reader's language."""
    language = transactional.language_for(reader, request_language)
    with translation.override(language):
        page_url = _site(page())
        wallet_url = _site(reverse("purchases:wallet"))
    subjects = {"undone": lambda: _("Purchase undone: %(title)s") % {"title": title}}
    transactional.send(
        template="mail/email/purchase_ended", to=reader.email, language=language,
        subject=subjects.get(status, lambda: _("Purchase refunded: %(title)s") % {"title": title}),
        context={"title": title, "status": status, "price": price, "currency": currency, "number": number,
                 "article_url": page_url, "kind": kind, "wallet_url": wallet_url})
    return True


@dataclass(frozen=True)
class Periodic:
    """Something paid by the period: its row, its charges' row, how to name it and where the reader manages it."""

    kind: str  # "membership" or "subscription": the templates word each
    model: str
    charge_model: str
    charge_to: str  # the charge's field naming the row
    related: tuple[str, ...]
    name: Callable[[Any], str]
    page: str  # URL name


PERIODIC = (
    Periodic("membership", "purchases.Membership", "purchases.MembershipCharge", "membership", ("plan", "reader"),
             lambda m: m.plan.display_name, "purchases:membership"),
    Periodic("subscription", "subscriptions.AuthorSubscription", "subscriptions.SubscriptionCharge", "subscription",
             ("author", "reader"), lambda s: s.author.name, "subscriptions:mine"),
)


def _connect(periodic: Periodic) -> None:
    def charged(sender: Any, instance: Any, created: bool = False, raw: bool = False, **kwargs: Any) -> None:
        if raw or not created:
            return
        charge_id, language = instance.pk, _request_language()
        transaction.on_commit(lambda: send_renewed.delay(periodic.kind, charge_id, language), robust=True)

    def saved(sender: Any, instance: Any, created: bool = False, raw: bool = False, update_fields: Any = None,
              **kwargs: Any) -> None:
        if raw or created or not _status_written(update_fields) or instance.status != "ended":
            return
        row_id, language = instance.pk, _request_language()
        transaction.on_commit(lambda: send_ended.delay(periodic.kind, row_id, language), robust=True)

    post_save.connect(charged, sender=periodic.charge_model, weak=False, dispatch_uid=f"mail-{periodic.kind}-renewed")
    post_save.connect(saved, sender=periodic.model, weak=False, dispatch_uid=f"mail-{periodic.kind}-ended")


for _periodic in PERIODIC:
    _connect(_periodic)


def _periodic(kind: str) -> Periodic:
    return next(p for p in PERIODIC if p.kind == kind)


@shared_task(name="byline.mail.send_renewed", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_renewed(kind: str, charge_id: int, request_language: str) -> bool:
    periodic = _periodic(kind)
    charge = (apps.get_model(periodic.charge_model).objects
              .select_related(*(f"{periodic.charge_to}__{name}" for name in periodic.related))
              .filter(pk=charge_id).first())
    row = getattr(charge, periodic.charge_to, None)
    # The first period's charge is the joining itself (its page says so): only later ones are renewals.
    if charge is None or charge.period_start <= row.period_start or not _reachable(row.reader):
        return False
    language = transactional.language_for(row.reader, request_language)
    with translation.override(language):
        name, page_url = periodic.name(row), _site(reverse(periodic.page))
    subjects = {"membership": lambda: _("Your membership is renewed: %(name)s") % {"name": name},
                "subscription": lambda: _("Your subscription to %(name)s is renewed") % {"name": name}}
    transactional.send(
        template="mail/email/renewed", to=row.reader.email, language=language, subject=subjects[kind],
        context={"kind": kind, "name": name, "price": getattr(charge, "amount_minor", row.price_minor),
                 "currency": row.currency, "until": charge.period_end, "card": row.renew_via == "card",
                 "page_url": page_url})
    return True


@shared_task(name="byline.mail.send_ended", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_ended(kind: str, row_id: int, request_language: str) -> bool:
    periodic = _periodic(kind)
    Model = apps.get_model(periodic.model)
    row = Model.objects.select_related(*periodic.related).filter(pk=row_id).first()
    if row is None or row.status != "ended" or not _reachable(row.reader):
        return False
    # Ended because another took its place (a gift, joining another plan, new terms): nothing ended for the reader.
    same = {"author_id": row.author_id} if kind == "subscription" else {}
    if Model.objects.filter(reader_id=row.reader_id, status="active", **same).exists():
        return False
    language = transactional.language_for(row.reader, request_language)
    with translation.override(language):
        name, page_url = periodic.name(row), _site(reverse(periodic.page))
        library_url = _site(reverse("accounts:library"))
    subjects = {"membership": lambda: _("Your membership has ended: %(name)s") % {"name": name},
                "subscription": lambda: _("Your subscription to %(name)s has ended") % {"name": name}}
    transactional.send(
        template="mail/email/ended", to=row.reader.email, language=language, subject=subjects[kind],
        context={"kind": kind, "name": name, "ended": row.period_end, "page_url": page_url,
                 "library_url": library_url})
    return True


def _reachable(reader: Any) -> bool:
    return bool(reader.email) and reader.is_active

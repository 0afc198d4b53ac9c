"""Author subscriptions, offers and the fair-price cap.

A writer's prices (`AuthorPrice`, one per billing period and currency) are what a subscription charges and
what the fair-price cap stops at. A subscription's periods are `SubscriptionCharge` rows: a paid one names
its ledger transfer, a trial one the offer redemption that granted it; `period_end` on the subscription only
ever moves with a new charge. Offers (`Offer`, redeemed once per reader as `Redemption`) lower the first
period of an author subscription or a site membership, or give it as a free trial.

Money lives only in the ledger; these rows say which transfer paid for what.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from byline.purchases.models import Interval, RenewVia


class AuthorPrice(models.Model):
    """What a writer asks for a month or a year of all their paid articles, in one currency. The monthly
    price is also that writer's fair-price cap in that currency."""

    author = models.ForeignKey("articles.Author", on_delete=models.CASCADE, related_name="subscription_prices")
    interval = models.CharField(_("billing period"), max_length=5, choices=Interval.choices)
    currency = models.CharField(_("currency"), max_length=3)
    price_minor = models.PositiveIntegerField(_("price in minor units"))
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["author", "currency", "interval"]
        verbose_name = _("author subscription price")
        verbose_name_plural = _("author subscription prices")
        constraints = [
            models.UniqueConstraint(fields=["author", "interval", "currency"], name="author_price_one_per_period"),
            models.CheckConstraint(condition=Q(price_minor__gt=0), name="author_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.author} {self.interval} {self.price_minor} {self.currency}"


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class AuthorSubscription(models.Model):
    """A reader's subscription to one writer, on the terms it was started on (currency, period, price)."""

    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="author_subscriptions")
    author = models.ForeignKey("articles.Author", on_delete=models.PROTECT, related_name="subscribers_paying")
    interval = models.CharField(max_length=5, choices=Interval.choices)
    currency = models.CharField(max_length=3)
    price_minor = models.PositiveIntegerField(_("price per period"))
    status = models.CharField(max_length=8, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE)
    renew_via = models.CharField(max_length=8, choices=RenewVia.choices, default=RenewVia.WALLET)
    subscription_ref = models.CharField(max_length=120, blank=True, db_index=True)
    renew_provider = models.CharField(max_length=20, blank=True)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField(db_index=True)
    # The end of a free trial, where the first period was one: the first charge falls due then.
    trial_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_end"]
        verbose_name = _("author subscription")
        verbose_name_plural = _("author subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["reader", "author"], condition=Q(status="active"),
                                    name="author_subscription_one_active"),
        ]
        indexes = [models.Index(fields=["reader", "status", "author"], name="author_sub_reader_active")]

    def __str__(self) -> str:
        return f"{self.reader} → {self.author} ({self.interval})"

    @property
    def in_trial(self) -> bool:
        return self.trial_end is not None and self.trial_end >= self.period_end


def new_offer_token() -> str:
    """The secret part of a shareable offer link (128 bits)."""
    return secrets.token_urlsafe(16)


class OfferTarget(models.TextChoices):
    AUTHOR = "author", _("Subscription to a writer")
    MEMBERSHIP = "membership", _("Site membership")
    COLLECTION = "collection", _("A whole collection")


class OfferKind(models.TextChoices):
    PERCENT = "percent", _("Percent off the first period")
    FIXED = "fixed", _("Amount off the first period")
    TRIAL = "trial", _("Free trial")


class Offer(models.Model):
    """A lower first period (or a free trial) for an author subscription (`author` set) or a site membership;
    or percent (or an amount) off buying a whole collection (`collection` set, and its writer as `author`:
    collections.services.buy_with_wallet redeems it).

    Redeemed with its code or through its link (`token`), between `starts_at` and `ends_at`, at most
    `max_redemptions` times in all and once per reader. A retention offer is not redeemable by code or link:
    it is shown to a subscriber who cancels."""

    target = models.CharField(_("for"), max_length=10, choices=OfferTarget.choices)
    author = models.ForeignKey("articles.Author", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="offers")
    collection = models.ForeignKey("collections.Collection", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="offers")
    kind = models.CharField(_("kind"), max_length=8, choices=OfferKind.choices)
    percent_off = models.PositiveSmallIntegerField(_("percent off"), null=True, blank=True)
    amount_off_minor = models.PositiveIntegerField(_("amount off"), null=True, blank=True)
    currency = models.CharField(_("currency of the amount off"), max_length=3, blank=True)
    trial_days = models.PositiveSmallIntegerField(_("trial days"), null=True, blank=True)
    code = models.CharField(_("code"), max_length=40, null=True, blank=True, unique=True)
    token = models.CharField(max_length=40, unique=True, default=new_offer_token, editable=False)
    starts_at = models.DateTimeField(_("starts"), default=timezone.now)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    max_redemptions = models.PositiveIntegerField(_("redemption limit"), null=True, blank=True)
    redeemed = models.PositiveIntegerField(default=0, editable=False)
    retention = models.BooleanField(_("shown when a subscriber cancels"), default=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.CheckConstraint(condition=Q(target="membership", author__isnull=True, collection__isnull=True)
                                   | Q(target="author", author__isnull=False, collection__isnull=True)
                                   | Q(target="collection", author__isnull=False, collection__isnull=False)
                                   & ~Q(kind="trial") & Q(retention=False),
                                   name="offer_target_matches_what_it_lowers"),
            models.CheckConstraint(
                condition=Q(kind="percent", percent_off__gte=1, percent_off__lte=100)
                | Q(kind="fixed", amount_off_minor__gt=0) & ~Q(currency="")
                | Q(kind="trial", trial_days__gte=1, trial_days__lte=365), name="offer_terms_complete"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.code or self.token[:8]})"


class Redemption(models.Model):
    """A reader took an offer: once per reader and offer."""

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="redemptions")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="offer_redemptions")
    subscription = models.ForeignKey(AuthorSubscription, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="redemptions")
    membership = models.ForeignKey("purchases.Membership", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="redemptions")
    created_at = models.DateTimeField(default=timezone.now)
    # The purchase the offer lowered was undone: the use went back to the offer's limit for other readers. This
    # reader's own once stays taken (so a buy and undo cannot hold a limited offer's place in turns).
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["offer", "reader"], name="offer_once_per_reader")]

    def __str__(self) -> str:
        return f"{self.reader} took {self.offer}"


class SubscriptionCharge(models.Model):
    """One period of an author subscription and what paid for it: a ledger transfer, or (a trial, or a month
    the reader's purchases had already paid for) nothing new, then `redemption` or `credited_minor` say why."""

    subscription = models.ForeignKey(AuthorSubscription, on_delete=models.PROTECT, related_name="charges")
    transfer = models.OneToOneField("ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="author_subscription_charge")
    key = models.CharField(max_length=200, unique=True)
    amount_minor = models.PositiveIntegerField()
    # What the reader's single-article purchases from this writer this month took off (the fair-price cap).
    credited_minor = models.PositiveIntegerField(default=0)
    redemption = models.ForeignKey(Redemption, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="charges")
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_end"]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.period_start:%Y-%m-%d}..{self.period_end:%Y-%m-%d}"


class CreditedPurchase(models.Model):
    """A purchase whose price went toward a subscription's first period: it can no longer be undone (the
    money already paid for the subscription)."""

    purchase = models.OneToOneField("purchases.Purchase", on_delete=models.PROTECT, related_name="credited_to")
    charge = models.ForeignKey(SubscriptionCharge, on_delete=models.PROTECT, related_name="credited_purchases")

    def __str__(self) -> str:
        return f"purchase {self.purchase_id} toward charge {self.charge_id}"

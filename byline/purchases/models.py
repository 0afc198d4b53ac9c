"""What readers bought: single-article purchases and memberships, each backed by ledger transfers.

These rows are the entitlements `access.decide` reads (through purchases.selectors); the money
itself lives only in the ledger.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PurchaseStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    UNDONE = "undone", _("Undone by the reader")
    REFUNDED = "refunded", _("Refunded by staff")
    RETURNED = "returned", _("Refunded on request")


class Purchase(models.Model):
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="purchases")
    article = models.ForeignKey("articles.Article", on_delete=models.PROTECT, related_name="purchases")
    idempotency_key = models.CharField(max_length=160, unique=True)
    price_minor = models.PositiveIntegerField(_("price paid"))
    currency = models.CharField(_("currency"), max_length=3)
    author_share_minor = models.PositiveIntegerField(_("author's share"))
    platform_fee_minor = models.PositiveIntegerField(_("platform fee"))
    transfer = models.OneToOneField("ledger.Transfer", on_delete=models.PROTECT, related_name="purchase")
    status = models.CharField(_("status"), max_length=10, choices=PurchaseStatus.choices, default=PurchaseStatus.ACTIVE)
    reversal = models.OneToOneField("ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_purchase")
    created_at = models.DateTimeField(_("bought at"), default=timezone.now, db_index=True)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    # The reader whose share link brought the buyer, and what of the author's share went to them (a leg of
    # the purchase transfer into their earnings; reversed with the purchase).
    referrer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="referred_purchases")
    commission_minor = models.PositiveIntegerField(_("referral commission"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        constraints = [
            models.UniqueConstraint(fields=["reader", "article"], condition=models.Q(status="active"),
                                    name="purchase_one_active_per_article"),
        ]
        indexes = [models.Index(fields=["reader", "status", "article"], name="purchase_reader_active")]

    def __str__(self) -> str:
        return f"{self.reader} · {self.article}"


class Interval(models.TextChoices):
    MONTH = "month", _("Monthly")
    YEAR = "year", _("Yearly")


class MembershipPlan(models.Model):
    name = models.CharField(_("name"), max_length=80)
    name_zh = models.CharField(_("name in Chinese"), max_length=80, blank=True)
    interval = models.CharField(_("billing period"), max_length=5, choices=Interval.choices)
    price_minor = models.PositiveIntegerField(_("price in minor units"))
    currency = models.CharField(_("currency"), max_length=3)
    # Own prices in the other currencies the site sells, {"CNY": 3000}; where none is set, readers of that
    # currency see the converted price (byline/core/conversion.py).
    prices = models.JSONField(_("prices in other currencies"), default=dict, blank=True)
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["currency", "price_minor"]
        verbose_name = _("membership plan")
        verbose_name_plural = _("membership plans")
        constraints = [models.CheckConstraint(condition=models.Q(price_minor__gt=0), name="plan_has_price")]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        return self.name_zh if self.name_zh and (get_language() or "").startswith("zh") else self.name


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class RenewVia(models.TextChoices):
    WALLET = "wallet", _("Wallet")
    CARD = "card", _("Card subscription")


class Membership(models.Model):
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    plan = models.ForeignKey(MembershipPlan, on_delete=models.PROTECT, related_name="memberships")
    # The terms the reader joined on, in their currency: every period is charged (and renewed) at them,
    # and the pool of this currency shares them out.
    currency = models.CharField(_("currency"), max_length=3)
    price_minor = models.PositiveIntegerField(_("price per period"))
    status = models.CharField(max_length=8, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE)
    renew_via = models.CharField(max_length=8, choices=RenewVia.choices, default=RenewVia.WALLET)
    subscription_ref = models.CharField(max_length=120, blank=True, db_index=True)
    # The payment provider that renews a card subscription, so cancelling can tell it.
    renew_provider = models.CharField(max_length=20, blank=True)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField(db_index=True)
    cancel_at_period_end = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_end"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["reader"], condition=models.Q(status="active"),
                                    name="membership_one_active_per_reader"),
        ]

    def __str__(self) -> str:
        return f"{self.reader} · {self.plan}"


class MembershipCharge(models.Model):
    """One paid period of a membership: which transfer paid for which dates."""

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="charges")
    transfer = models.OneToOneField("ledger.Transfer", on_delete=models.PROTECT, related_name="membership_charge")
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.membership} {self.period_start:%Y-%m-%d}..{self.period_end:%Y-%m-%d}"


class MemberRead(models.Model):
    """A member opened the full text of an article: what the membership pool is shared by."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="reads")
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="member_reads")
    currency = models.CharField(max_length=3)
    day = models.DateField(default=timezone.localdate)
    settled_by = models.ForeignKey("PoolClose", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="settled_reads")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["membership", "article", "day"], name="member_read_once_a_day")]
        indexes = [models.Index(fields=["currency", "settled_by"], name="member_read_unsettled")]

    def __str__(self) -> str:
        return f"{self.membership_id} read {self.article_id} on {self.day}"


class PoolClose(models.Model):
    """The membership pool of one currency, shared among authors by reads at a period close."""

    currency = models.CharField(max_length=3)
    closed_at = models.DateTimeField(default=timezone.now)
    amount_minor = models.PositiveBigIntegerField()
    reads = models.PositiveIntegerField()
    transfer = models.OneToOneField("ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="pool_close")

    class Meta:
        ordering = ["-closed_at"]

    def __str__(self) -> str:
        return f"pool {self.currency} closed {self.closed_at:%Y-%m-%d}"


class RefundRequestStatus(models.TextChoices):
    OPEN = "open", _("Waiting for staff")
    REFUNDED = "refunded", _("Refunded")
    DECLINED = "declined", _("Declined")


class RefundRequest(models.Model):
    """A reader asking staff to refund a purchase after the undo window. Moves no money: staff refund
    through `services.refund_purchase` (the admin action), which reverses the purchase's transfer."""

    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="refund_requests")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="refund_requests")
    reason = models.TextField(_("what went wrong"), max_length=2000)
    status = models.CharField(_("status"), max_length=10, choices=RefundRequestStatus.choices,
                              default=RefundRequestStatus.OPEN)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("refund request")
        verbose_name_plural = _("refund requests")
        constraints = [
            models.UniqueConstraint(fields=["purchase"], condition=models.Q(status="open"),
                                    name="refund_request_one_open_per_purchase"),
        ]

    def __str__(self) -> str:
        return f"{self.reader} · {self.purchase.article}"

"""Checkouts (money a reader is paying in through a provider), received webhooks, and the
sandbox provider's own records (what a real provider would keep on its side)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CheckoutStatus(models.TextChoices):
    OPEN = "open", _("Waiting for payment")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")


class Checkout(models.Model):
    reference = models.CharField(max_length=40, unique=True)
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checkouts")
    provider = models.CharField(max_length=20)
    provider_ref = models.CharField(max_length=200, blank=True, db_index=True)
    redirect_url = models.URLField(max_length=2000, blank=True)
    purpose = models.CharField(max_length=12)
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    article = models.ForeignKey("articles.Article", null=True, blank=True, on_delete=models.PROTECT)
    plan = models.ForeignKey("purchases.MembershipPlan", null=True, blank=True, on_delete=models.PROTECT)
    gift = models.ForeignKey("gifts.PaidGift", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="checkouts")
    collection = models.ForeignKey("collections.Collection", null=True, blank=True, on_delete=models.PROTECT)
    # A card subscription to a writer: the price (writer, period, currency) it was opened for.
    author_price = models.ForeignKey("subscriptions.AuthorPrice", null=True, blank=True, on_delete=models.PROTECT)
    # The price of the article or plan as quoted when the checkout opened (in `currency`): the purchase
    # that completes it is refused if the price changed meanwhile, and the money stays in the wallet.
    price_minor = models.PositiveBigIntegerField(null=True, blank=True)
    # A tip's message to the writer and whether the tipper stays unnamed (purpose "tip"; the article is `article`
    # and the tip's amount `price_minor`).
    tip_message = models.CharField(max_length=280, blank=True)
    tip_anonymous = models.BooleanField(default=False)
    idempotency_key = models.CharField(max_length=160, unique=True)
    status = models.CharField(max_length=8, choices=CheckoutStatus.choices, default=CheckoutStatus.OPEN)
    failure_reason = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=200, blank=True)
    credit = models.OneToOneField("ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="checkout")
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Staff returning the money to the payment method: the wallet debit (kept while the provider is asked),
    # the provider's refund id once it confirms, and how many attempts failed and were reversed.
    cashout = models.OneToOneField("ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="cashout_checkout")
    refund_ref = models.CharField(max_length=200, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    refund_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("checkout")
        verbose_name_plural = _("checkouts")
        constraints = [models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="checkout_amount_positive")]

    def __str__(self) -> str:
        return f"{self.reference} {self.purpose} {self.amount_minor} {self.currency} ({self.status})"


class WebhookEvent(models.Model):
    """One provider event, recorded in the same transaction that acts on it: a repeat finds it and stops."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=200)
    event_type = models.CharField(max_length=100)
    checkout = models.ForeignKey(Checkout, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    outcome = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once")]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id} {self.event_type}"


class SandboxPayment(models.Model):
    """The sandbox provider's side of a hosted checkout."""

    ref = models.CharField(max_length=40, unique=True)
    reference = models.CharField(max_length=40)
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=200)
    success_url = models.CharField(max_length=2000)
    cancel_url = models.CharField(max_length=2000)
    recurring_interval = models.CharField(max_length=5, blank=True)
    state = models.CharField(max_length=16, default="open")  # open, requires_action, succeeded, failed, refunded
    failure_reason = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.ref} {self.state}"


class SandboxSubscription(models.Model):
    """The sandbox's side of a card subscription: it charges the test card again when a period ends
    (an `invoice.paid` event, like Stripe's), or ends the subscription if it was cancelled."""

    ref = models.CharField(max_length=60, unique=True)
    payment = models.OneToOneField(SandboxPayment, on_delete=models.PROTECT, related_name="subscription")
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    interval = models.CharField(max_length=5)
    current_period_end = models.DateTimeField(db_index=True)
    periods_paid = models.PositiveIntegerField(default=1)
    cancel_at_period_end = models.BooleanField(default=False)
    status = models.CharField(max_length=10, default="active")  # active, canceled
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.ref} {self.status} until {self.current_period_end:%Y-%m-%d}"


class SandboxDelivery(models.Model):
    """One signed webhook the sandbox owes Byline, retried with backoff until acknowledged."""

    event_id = models.CharField(max_length=60, unique=True)
    payload = models.TextField()
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.event_id} ({self.attempts} attempts)"


class ProviderOrder(models.Model):
    """One order placed with a QR provider (WeChat Pay, Alipay) for a checkout. `out_trade_no` is the id
    the provider knows; a checkout whose code ran out gets a fresh order, and the old one is closed."""

    out_trade_no = models.CharField(max_length=32, unique=True)
    checkout = models.ForeignKey(Checkout, on_delete=models.PROTECT, related_name="orders")
    provider = models.CharField(max_length=20)
    channel = models.CharField(max_length=8)  # qr or mobile
    code_url = models.CharField(max_length=500, blank=True)
    expires_at = models.DateTimeField()
    state = models.CharField(max_length=8, default="open")  # open, closed, paid
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.provider} {self.out_trade_no} ({self.state})"


class Reconciliation(models.Model):
    """Money that arrived for an order Byline no longer expected (closed, expired, or its checkout already
    settled): it goes to the reader's wallet as a top-up, and this record names the order and why."""

    order = models.OneToOneField(ProviderOrder, on_delete=models.PROTECT, related_name="reconciliation")
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=200)
    credit = models.OneToOneField("ledger.Transfer", on_delete=models.PROTECT, related_name="reconciliation")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.order.out_trade_no}: {self.amount_minor} {self.currency} ({self.reason})"

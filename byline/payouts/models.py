"""Where a writer's money goes (payout methods), each payout sent there, and the provider notices about them.

The money itself lives only in the ledger: a payout's `debit` moves it from the writer's earnings to
payout clearing, its `settlement` from payout clearing to provider clearing when the provider confirms,
and its reversals bring it back when it fails or is returned. These rows say which transfer is which,
and where the payout stands with its provider.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Schedule(models.TextChoices):
    ON_REQUEST = "request", _("When I ask")
    MONTHLY = "monthly", _("Every month, automatically")


class MethodStatus(models.TextChoices):
    SETTING_UP = "setting_up", _("Waiting for the provider's set-up")
    READY = "ready", _("Ready")
    REMOVED = "removed", _("Removed")


class PayoutMethod(models.Model):
    """Where one writer's earnings in one currency are paid. A writer has at most one live method per currency.

    `account_ref` is what the provider knows the payee by (a Stripe connected account id, an Alipay login id,
    a WeChat openid, a sandbox account); `holder_name` is the name the provider checks it against (Alipay and
    WeChat Pay verify it) or the bank account holder's; `bank_details` tells staff where a manual bank
    transfer goes. Identity and tax details stay with the provider's own onboarding."""

    writer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payout_methods",
                               verbose_name=_("writer"))
    provider = models.CharField(_("paid through"), max_length=20)
    currency = models.CharField(_("currency"), max_length=3)
    account_ref = models.CharField(_("account"), max_length=200, blank=True)
    holder_name = models.CharField(_("account holder's name"), max_length=100, blank=True)
    bank_details = models.TextField(_("bank details"), max_length=500, blank=True)
    schedule = models.CharField(_("when"), max_length=8, choices=Schedule.choices, default=Schedule.ON_REQUEST)
    status = models.CharField(_("status"), max_length=10, choices=MethodStatus.choices,
                              default=MethodStatus.SETTING_UP)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["currency", "-created_at"]
        verbose_name = _("payout method")
        verbose_name_plural = _("payout methods")
        constraints = [
            models.UniqueConstraint(fields=["writer", "currency"], condition=~models.Q(status="removed"),
                                    name="payout_method_one_live_per_currency"),
        ]

    def __str__(self) -> str:
        return f"{self.writer} · {self.provider} ({self.currency})"

    @property
    def masked_account(self) -> str:
        """Enough of the account to recognise it, never all of it."""
        ref = self.account_ref
        return ref if len(ref) <= 6 else f"…{ref[-4:]}"


class PayoutStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for approval")
    SENDING = "sending", _("Being sent")
    IN_FLIGHT = "in_flight", _("On its way")
    PAID = "paid", _("Paid out")
    FAILED = "failed", _("Failed, money back in your balance")
    RETURNED = "returned", _("Returned, money back in your balance")
    CANCELLED = "cancelled", _("Cancelled, money back in your balance")


# A payout whose debit stands: the money has left the writer's earnings and not come back.
STANDING = (PayoutStatus.REQUESTED, PayoutStatus.SENDING, PayoutStatus.IN_FLIGHT, PayoutStatus.PAID)
# Still on the way: in payout clearing, not yet settled with the provider.
UNSETTLED = (PayoutStatus.REQUESTED, PayoutStatus.SENDING, PayoutStatus.IN_FLIGHT)
CLOSED = (PayoutStatus.FAILED, PayoutStatus.RETURNED, PayoutStatus.CANCELLED)


class Trigger(models.TextChoices):
    REQUEST = "request", _("Requested by the writer")
    MONTHLY = "monthly", _("Monthly schedule")
    STAFF = "staff", _("Started by staff")


class Payout(models.Model):
    reference = models.CharField(_("reference"), max_length=32, unique=True)  # letters and digits: WeChat's rule
    writer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts",
                               verbose_name=_("writer"))
    method = models.ForeignKey(PayoutMethod, on_delete=models.PROTECT, related_name="payouts")
    provider = models.CharField(_("paid through"), max_length=20)
    amount_minor = models.PositiveBigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    idempotency_key = models.CharField(max_length=160, unique=True)
    trigger = models.CharField(_("why"), max_length=8, choices=Trigger.choices, default=Trigger.REQUEST)
    status = models.CharField(_("status"), max_length=10, choices=PayoutStatus.choices,
                              default=PayoutStatus.REQUESTED, db_index=True)
    debit = models.OneToOneField("ledger.Transfer", on_delete=models.PROTECT, related_name="payout")
    settlement = models.OneToOneField("ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="settled_payout")
    reversal = models.OneToOneField("ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_payout")
    # A payout returned after it was settled (a bank bounce, a Stripe transfer reversed): the settlement's mirror.
    settlement_reversal = models.OneToOneField("ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT,
                                               related_name="unsettled_payout")
    provider_ref = models.CharField(_("provider's id"), max_length=200, blank=True, db_index=True)
    # What the payee must still do at the provider (WeChat Pay: accept the transfer in WeChat).
    payee_action = models.CharField(max_length=500, blank=True)
    failure_reason = models.CharField(_("why it failed"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="payout_amount_positive"),
            models.CheckConstraint(condition=~models.Q(status="paid") | models.Q(settlement__isnull=False),
                                   name="payout_paid_has_settlement"),
            models.CheckConstraint(condition=~models.Q(status__in=["failed", "returned", "cancelled"])
                                   | models.Q(reversal__isnull=False), name="payout_closed_has_reversal"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount_minor} {self.currency} ({self.status})"

    @property
    def standing(self) -> bool:
        return self.status in STANDING

    @property
    def provider_label(self) -> str:
        from byline.payouts.providers import LABELS

        return str(LABELS.get(self.provider, self.provider))


class PayoutNotice(models.Model):
    """One provider notification about a payout, recorded in the transaction that acts on it: a repeat stops here."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=200)
    payout = models.ForeignKey(Payout, null=True, blank=True, on_delete=models.SET_NULL, related_name="notices")
    outcome = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="payout_notice_once")]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id}"


class SandboxPayee(models.Model):
    """The sandbox payout provider's side: a payee account, set up on its local onboarding page."""

    ref = models.CharField(max_length=40, unique=True)
    email = models.CharField(max_length=254, blank=True)
    onboarded = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.ref


class SandboxTransfer(models.Model):
    """The sandbox provider's record of one transfer, found again by Byline's reference (its idempotency key)."""

    ref = models.CharField(max_length=40, unique=True)
    reference = models.CharField(max_length=32, unique=True)
    payee = models.ForeignKey(SandboxPayee, on_delete=models.PROTECT)
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    state = models.CharField(max_length=10)  # paid, failed, returned
    failure_reason = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.ref} {self.state}"

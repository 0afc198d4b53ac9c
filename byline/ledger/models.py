"""Double-entry ledger: accounts, immutable transfers, and their entries.

An entry's amount is signed integer minor units: positive raises the account's balance,
negative lowers it. Every transfer's entries sum to zero, so money is only ever moved,
never created or destroyed (money from outside enters through the provider clearing
account, whose balance goes negative by what the providers owe us).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    WALLET = "wallet", _("Reader wallet")
    EARNINGS = "earnings", _("Author earnings")
    FEES = "fees", _("Platform fees")
    CLEARING = "clearing", _("Provider clearing")
    POOL = "pool", _("Membership pool")
    PAYOUT = "payout", _("Payouts in flight")
    # Paid gifts not yet claimed (byline/gifts): the buyer's money waits here until the recipient claims it
    # (then it goes on as a sale would) or the buyer takes it back.
    GIFTS = "gifts", _("Gifts held")


OWNED_KINDS = (AccountKind.WALLET, AccountKind.EARNINGS)


class Account(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=AccountKind.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="ledger_accounts", verbose_name=_("owner"))
    currency = models.CharField(_("currency"), max_length=3)
    # A cache of the sum of this account's entries, changed only by ledger.services.transfer
    # under a row lock; ledger_check proves the two agree.
    balance = models.BigIntegerField(_("balance"), default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(fields=["kind", "owner", "currency"], name="account_one_per_owner_currency"),
            models.UniqueConstraint(fields=["kind", "currency"], condition=models.Q(owner__isnull=True),
                                    name="account_one_system_per_currency"),
            models.CheckConstraint(condition=~models.Q(kind="wallet") | models.Q(balance__gte=0),
                                   name="account_wallet_never_negative"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["wallet", "earnings"], owner__isnull=False)
                | models.Q(kind__in=["fees", "clearing", "pool", "payout", "gifts"], owner__isnull=True),
                name="account_owner_matches_kind"),
        ]

    def __str__(self) -> str:
        owner = f" {self.owner}" if self.owner_id else ""
        return f"{self.get_kind_display()}{owner} ({self.currency})"


class TransferKind(models.TextChoices):
    TOPUP = "topup", _("Wallet top-up")
    PURCHASE = "purchase", _("Article purchase")
    UNDO = "undo", _("Purchase undone")
    REFUND = "refund", _("Refund")
    MEMBERSHIP = "membership", _("Membership")
    POOL_PAYOUT = "pool_payout", _("Membership pool share")
    CORRECTION = "correction", _("Correction")
    PAYOUT = "payout", _("Payout")
    PAYOUT_PAID = "payout_paid", _("Payout sent")
    PAYOUT_BACK = "payout_back", _("Payout failed or returned")
    TIP = "tip", _("Tip")
    TIP_UNDO = "tip_undo", _("Tip undone")
    GIFT = "gift", _("Gift bought")
    GIFT_CLAIM = "gift_claim", _("Gift claimed")
    GIFT_REFUND = "gift_refund", _("Gift refunded")
    COLLECTION = "collection", _("Collection purchase")
    COLLECTION_UNDO = "coll_undo", _("Collection purchase undone")
    AUTHOR_SUBSCRIPTION = "author_sub", _("Subscription to a writer")


# Transfers that move a writer's earnings out (a payout) or back in (its reversal); everything else that
# touches an earnings account is earning (a sale, a pool share, a tip) or taking earnings back (an undo,
# a refund). byline/payouts owns these kinds; the invariants and statements tell them apart by this.
PAYOUT_KINDS = (TransferKind.PAYOUT, TransferKind.PAYOUT_BACK)


class Transfer(models.Model):
    """One movement of money; never edited or deleted. Corrections are new transfers that `reverses` it."""

    key = models.CharField(_("idempotency key"), max_length=160, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=TransferKind.choices)
    currency = models.CharField(_("currency"), max_length=3)
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by", verbose_name=_("reverses"))
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} ({self.currency})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Transfers are immutable; post a reversing transfer instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Transfers are immutable; post a reversing transfer instead.")


class Entry(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField(_("amount"))

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="entry_amount_not_zero"),
            models.UniqueConstraint(fields=["transfer", "account"], name="entry_one_leg_per_account"),
        ]
        indexes = [models.Index(fields=["account", "-transfer"], name="entry_account_recent")]

    def __str__(self) -> str:
        return f"{self.account}: {self.amount:+d}"

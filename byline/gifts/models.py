"""Paid gifts: a reader pays for an article, a collection, or months of the site membership or of one
writer's subscription, for someone else.

Not the free gift links of byline/sharing (a reader with access lends an article through a link, from a
monthly allowance, and no money moves). A paid gift is money: the buyer's wallet pays the price into the
ledger's "gifts held" account (`TransferKind.GIFT`); when the recipient claims it, the money goes on from
there as a sale would (`GIFT_CLAIM`: to the author's earnings and the platform fee, or to the membership
pool); until then the buyer may take it back (`GIFT_REFUND`, the exact reverse of the purchase). These
rows say which transfer is which and where a gift stands; the money itself lives only in the ledger.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class GiftKind(models.TextChoices):
    ARTICLE = "article", _("An article")
    MEMBERSHIP = "membership", _("Months of membership")
    COLLECTION = "collection", _("A whole collection")
    AUTHOR = "author", _("Months of a writer's subscription")


class GiftState(models.TextChoices):
    AWAITING = "awaiting", _("Waiting for the card payment")
    PAID = "paid", _("Paid, not yet claimed")
    CLAIMED = "claimed", _("Claimed")
    REFUNDED = "refunded", _("Refunded to the buyer")


class PaidGift(models.Model):
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gifts_bought")
    kind = models.CharField(_("what"), max_length=10, choices=GiftKind.choices)
    article = models.ForeignKey("articles.Article", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="paid_gifts")
    plan = models.ForeignKey("purchases.MembershipPlan", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="paid_gifts")
    collection = models.ForeignKey("collections.Collection", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="paid_gifts")
    # Months of this writer's subscription, priced by their monthly price in the buyer's currency.
    author = models.ForeignKey("articles.Author", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="paid_gifts")
    months = models.PositiveSmallIntegerField(_("months"), default=0)
    price_minor = models.PositiveIntegerField(_("price paid"))
    currency = models.CharField(_("currency"), max_length=3)
    # Where the gift goes: an address the claim link is mailed to, or empty for a link the buyer passes on.
    recipient_email = models.EmailField(_("recipient's e-mail"), blank=True)
    message = models.TextField(_("message"), max_length=500, blank=True)
    # The claim link's secret. It is what the recipient holds, so anyone with the link may claim it once;
    # the buyer sees it on their gift's page (to pass it on again).
    token = models.CharField(max_length=43, unique=True)
    idempotency_key = models.CharField(max_length=160, unique=True)
    state = models.CharField(_("state"), max_length=10, choices=GiftState.choices, default=GiftState.AWAITING)
    transfer = models.OneToOneField("ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="paid_gift")
    # The claim (money on to the author or pool) or the refund (money back to the buyer): one, never both.
    settlement = models.OneToOneField("ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="settled_gift")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="gifts_received")
    created_at = models.DateTimeField(_("bought at"), default=timezone.now)
    claim_by = models.DateTimeField(_("claim by"), null=True, blank=True)
    settled_at = models.DateTimeField(_("claimed or refunded at"), null=True, blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("paid gift")
        verbose_name_plural = _("paid gifts")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="article", article__isnull=False, plan__isnull=True, collection__isnull=True,
                                    author__isnull=True, months=0)
                           | models.Q(kind="membership", article__isnull=True, plan__isnull=False,
                                      collection__isnull=True, author__isnull=True, months__gte=1, months__lte=12)
                           | models.Q(kind="collection", article__isnull=True, plan__isnull=True,
                                      collection__isnull=False, author__isnull=True, months=0)
                           | models.Q(kind="author", article__isnull=True, plan__isnull=True, collection__isnull=True,
                                      author__isnull=False, months__gte=1, months__lte=12)),
                name="paid_gift_one_thing"),
            models.CheckConstraint(condition=models.Q(price_minor__gt=0), name="paid_gift_has_price"),
            models.CheckConstraint(
                condition=~models.Q(state__in=["paid", "claimed", "refunded"]) | models.Q(transfer__isnull=False),
                name="paid_gift_paid_has_transfer"),
            models.CheckConstraint(
                condition=~models.Q(state__in=["claimed", "refunded"]) | models.Q(settlement__isnull=False),
                name="paid_gift_settled_has_transfer"),
            models.CheckConstraint(condition=~models.Q(state="claimed") | models.Q(recipient__isnull=False),
                                   name="paid_gift_claimed_has_recipient"),
        ]
        indexes = [models.Index(fields=["recipient", "state", "article"], name="paid_gift_recipient")]

    def __str__(self) -> str:
        what = {GiftKind.ARTICLE: self.article, GiftKind.COLLECTION: self.collection}.get(
            self.kind, f"{self.months} months")
        return f"{self.buyer} → {self.recipient_email or 'link'} · {what} ({self.state})"

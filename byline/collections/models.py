"""Collections (series, 合集, 专栏): an author's ordered group of articles with a price of its own, and
what readers bought of them. The money is in the ledger; these rows say which transfer bought what.

A collection purchase is an entitlement source (selectors.entitlement_conditions): it opens every part
that was in the collection when it was bought, and the parts added later if the collection's terms said
so then (`CollectionPurchase.includes_later`, copied at purchase). A part taken out of the collection
stays open to those who bought it while it was in (`CollectionItem.removed_at`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from byline.articles.models import Currency


class Collection(models.Model):
    author = models.ForeignKey("articles.Author", on_delete=models.PROTECT, related_name="collections",
                               verbose_name=_("author"))
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("address"), max_length=120, unique=True)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    price_minor = models.PositiveIntegerField(_("price in minor units"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.USD)
    # Own prices in the other currencies the site sells, {"CNY": 2900}; as for articles, a currency without
    # one is converted (byline/pricing/conversion.py).
    prices = models.JSONField(_("prices in other currencies"), default=dict, blank=True)
    includes_later = models.BooleanField(_("articles added later are included for earlier buyers"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("collection")
        verbose_name_plural = _("collections")
        constraints = [models.CheckConstraint(condition=models.Q(price_minor__gt=0), name="collection_has_price")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("collections:detail", kwargs={"slug": self.slug})

    def price_in(self, currency: str) -> int:
        from byline.pricing.conversion import price_in

        return price_in(base_minor=self.price_minor, base_currency=self.currency, own=self.prices, currency=currency)


class CollectionItem(models.Model):
    """One article's place in a collection. Taking it out sets `removed_at` (the row stays: buyers from
    before keep it); an article is in at most one collection at a time."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    article = models.ForeignKey("articles.Article", on_delete=models.PROTECT, related_name="collection_items")
    position = models.PositiveIntegerField(default=0)
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article"], condition=models.Q(removed_at__isnull=True),
                                    name="collection_item_one_current_per_article"),
        ]
        indexes = [models.Index(fields=["collection", "article"], name="collection_item_part")]

    def __str__(self) -> str:
        return f"{self.collection_id}#{self.position}: {self.article_id}"


class CollectionPurchaseStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    UNDONE = "undone", _("Undone by the reader")
    REFUNDED = "refunded", _("Refunded by staff")


class CollectionPurchase(models.Model):
    """A reader bought a whole collection: the collection's price less what they had paid for its parts
    (`credit_minor`), never below zero. `transfer` is None when the credit covered the price: then the
    credited part purchases (`credits`) are what paid, and they cannot be undone on their own."""

    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="collection_purchases", verbose_name=_("reader"))
    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="purchases",
                                   verbose_name=_("collection"))
    idempotency_key = models.CharField(max_length=160, unique=True)
    currency = models.CharField(_("currency"), max_length=3)
    price_minor = models.PositiveIntegerField(_("collection price"))
    credit_minor = models.PositiveIntegerField(_("paid before for parts"))
    # What an offer (subscriptions.Offer for this collection, redeemed as `redemption`) took off the price.
    discount_minor = models.PositiveIntegerField(_("offer discount"), default=0)
    redemption = models.OneToOneField("subscriptions.Redemption", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="collection_purchase")
    paid_minor = models.PositiveIntegerField(_("price paid"))
    author_share_minor = models.PositiveIntegerField(_("author's share"))
    platform_fee_minor = models.PositiveIntegerField(_("platform fee"))
    includes_later = models.BooleanField(default=True)
    # Claimed as a paid gift (byline/gifts): `transfer` is then the gift's claim, which the giver paid for.
    # It is not undone by the reader (the money was not theirs); the gift's own rules apply.
    gifted = models.BooleanField(_("received as a gift"), default=False)
    transfer = models.OneToOneField("ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="collection_purchase")
    status = models.CharField(_("status"), max_length=10, choices=CollectionPurchaseStatus.choices,
                              default=CollectionPurchaseStatus.ACTIVE)
    reversal = models.OneToOneField("ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_collection_purchase")
    created_at = models.DateTimeField(_("bought at"), default=timezone.now, db_index=True)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("collection purchase")
        verbose_name_plural = _("collection purchases")
        constraints = [
            models.UniqueConstraint(fields=["reader", "collection"], condition=models.Q(status="active"),
                                    name="collection_purchase_one_active"),
            # The offer comes off the price first, then the parts' credit; never below zero.
            models.CheckConstraint(
                condition=models.Q(paid_minor=models.F("price_minor") - models.F("discount_minor")
                                   - models.F("credit_minor"))
                | models.Q(paid_minor=0, credit_minor__gte=models.F("price_minor") - models.F("discount_minor")),
                name="collection_purchase_paid_is_price_less_offer_and_credit"),
        ]
        indexes = [models.Index(fields=["reader", "status"], name="collection_purchase_reader")]

    def __str__(self) -> str:
        return f"{self.reader} · {self.collection}"


class CollectionCredit(models.Model):
    """A part purchase counted towards a collection purchase."""

    collection_purchase = models.ForeignKey(CollectionPurchase, on_delete=models.CASCADE, related_name="credits")
    purchase = models.ForeignKey("purchases.Purchase", on_delete=models.PROTECT, related_name="collection_credits")
    amount_minor = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["collection_purchase", "purchase"],
                                               name="collection_credit_once")]

    def __str__(self) -> str:
        return f"{self.purchase_id} -> {self.collection_purchase_id}"

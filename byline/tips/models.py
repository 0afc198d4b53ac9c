"""Tips (赞赏): a reader gives a writer money for an article beyond its price. Each tip is one ledger transfer of
its own kind (wallet -> the writer's earnings, and the platform's tip fee when there is one)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from byline.articles.models import Article, Author


class TipSettings(models.Model):
    author = models.OneToOneField(Author, on_delete=models.CASCADE, related_name="tip_settings")
    accepts_tips = models.BooleanField(_("accept tips on my articles"), default=True)

    class Meta:
        verbose_name = _("tip settings")
        verbose_name_plural = _("tip settings")

    def __str__(self) -> str:
        return f"{self.author}: {'on' if self.accepts_tips else 'off'}"


class TipStatus(models.TextChoices):
    ACTIVE = "active", _("Given")
    UNDONE = "undone", _("Undone by the reader")


class Tip(models.Model):
    tipper = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tips_given",
                               verbose_name=_("tipper"))
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="tips", verbose_name=_("article"))
    amount_minor = models.PositiveBigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    writer_share_minor = models.PositiveBigIntegerField(_("writer's share"))
    fee_minor = models.PositiveBigIntegerField(_("platform fee"), default=0)
    message = models.CharField(_("message"), max_length=280, blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    idempotency_key = models.CharField(max_length=160, unique=True)
    transfer = models.OneToOneField("ledger.Transfer", on_delete=models.PROTECT, related_name="tip")
    reversal = models.OneToOneField("ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="tip_undone")
    status = models.CharField(_("status"), max_length=10, choices=TipStatus.choices, default=TipStatus.ACTIVE)
    created_at = models.DateTimeField(_("given at"), auto_now_add=True)
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("tip")
        verbose_name_plural = _("tips")
        indexes = [models.Index(fields=["article", "status"], name="tip_article_status")]

    def __str__(self) -> str:
        return f"tip #{self.pk}: {self.amount_minor} {self.currency} on {self.article_id}"

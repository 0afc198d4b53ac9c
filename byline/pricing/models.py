"""The one currency a reader deals in (see docs/DEVELOPING.md, "One currency per reader")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReaderCurrency(models.Model):
    """The reader's own currency: every price they see is in it, and what they buy is charged in it.

    A reader without a row deals in their interface language's currency; the row is written the first
    time money enters their wallet (pricing.services.settle_currency) or when they choose one."""

    reader = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                  related_name="reader_currency", verbose_name=_("reader"))
    currency = models.CharField(_("currency"), max_length=3)
    chosen_at = models.DateTimeField(_("chosen at"), auto_now=True)

    class Meta:
        verbose_name = _("reader's currency")
        verbose_name_plural = _("readers' currencies")

    def __str__(self) -> str:
        return f"{self.reader_id}: {self.currency}"

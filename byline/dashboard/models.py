"""Daily counters of article page views: how many times the preview was shown, and how many of
those showed the paywall. One row per article and day; nothing about who looked."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleDay(models.Model):
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="daily_counts")
    day = models.DateField(_("day"))
    preview_views = models.PositiveIntegerField(_("preview views"), default=0)
    paywall_impressions = models.PositiveIntegerField(_("paywall impressions"), default=0)

    class Meta:
        verbose_name = _("article day")
        verbose_name_plural = _("article days")
        constraints = [models.UniqueConstraint(fields=["article", "day"], name="article_day_once")]
        indexes = [models.Index(fields=["day", "article"], name="article_day_by_day")]
        permissions = [("view_site_dashboard", _("Can see the dashboard of the whole site"))]

    def __str__(self) -> str:
        return f"article {self.article_id} on {self.day}"

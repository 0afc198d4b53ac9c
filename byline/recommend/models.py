"""Precomputed related lists and the reading events the engine learns from.

`RelatedArticle` rows are derived data: `services.rebuild_related` rewrites them all, and
`services.update_for_published` / `remove_from_lists` keep them in step between rebuilds.
The page reads them in one indexed query (`selectors.related_for_page`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from byline.articles.models import Article


class RelatedArticle(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="related_rows")
    related = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    rank = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("related article")
        verbose_name_plural = _("related articles")
        constraints = [
            models.UniqueConstraint(fields=["article", "related"], name="related_article_pair"),
            models.CheckConstraint(condition=~models.Q(article=models.F("related")), name="related_not_self"),
        ]
        indexes = [models.Index(fields=["article", "rank"], name="related_article_rank")]

    def __str__(self) -> str:
        return f"{self.article_id} -> {self.related_id} (#{self.rank})"


class ReadingKind(models.TextChoices):
    VIEW = "view", _("Viewed")
    FINISHED = "finished", _("Read to the end")
    PURCHASE = "purchase", _("Bought")


# How much each kind of event says about a reader's interest, for co-reading.
KIND_WEIGHTS = {ReadingKind.VIEW: 1.0, ReadingKind.FINISHED: 2.0, ReadingKind.PURCHASE: 3.0}


class ReadingEvent(models.Model):
    """One reader did one thing with one article on one day (repeats the same day are one row)."""

    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=ReadingKind.choices)
    day = models.DateField()
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("reading event")
        verbose_name_plural = _("reading events")
        constraints = [
            models.UniqueConstraint(fields=["reader", "article", "kind", "day"], name="reading_event_once_a_day"),
        ]
        indexes = [models.Index(fields=["reader", "-created_at"], name="reading_event_reader_recent")]

    def __str__(self) -> str:
        return f"{self.reader_id} {self.kind} {self.article_id} on {self.day}"

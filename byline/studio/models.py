"""Revisions: every save of an article's text in the writing studio, so nothing a writer types is lost.

A revision records the text as the writer had it (title, subtitle, Markdown body) and the revision the
editor started from (`base`). The article's *head* is its newest revision that is not a conflict; a save
whose base is not the head was made in a tab that did not see the newer save, so it is kept as a
conflict revision (to compare and restore) and never applied over the other tab's text.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from byline.articles.models import Article


class RevisionKind(models.TextChoices):
    AUTOSAVE = "autosave", _("Saved as you typed")
    SAVE = "save", _("Saved")
    PUBLISH = "publish", _("Published")
    RESTORE = "restore", _("Restored")
    CONFLICT = "conflict", _("Not applied: written in another tab")


class Revision(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    base = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=10, choices=RevisionKind.choices)
    title = models.CharField(max_length=200)
    subtitle = models.CharField(max_length=300, blank=True)
    body_markdown = models.TextField(blank=True)
    # Whether the article's own fields took this text (a live article takes typing only on "Update").
    applied = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["article", "-id"], name="studio_revision_article")]

    def __str__(self) -> str:
        return f"{self.article_id}#{self.pk}"


class StudioImage(models.Model):
    """An image uploaded for an article, stored resized (EXIF dropped) through Django's storage API.

    Served only by `studio.views.image`, which asks the access decision: an image that appears only in the
    article's locked half is paid content. `key` is random, so addresses cannot be guessed in order.
    """

    key = models.CharField(max_length=24, unique=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="studio_images")
    alt = models.CharField(max_length=300, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    widths = models.JSONField(default=list)  # the stored widths, each at `storage_name(width)`
    file_format = models.CharField(max_length=8, default="webp")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key

    def storage_name(self, width: int) -> str:
        return f"studio/images/{self.key}/{width}.{self.file_format}"

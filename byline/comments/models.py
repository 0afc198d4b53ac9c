"""Comments under articles: one level of replies, who may comment, moderation, reports and blocks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from byline.articles.models import Article, Author


class Policy(models.TextChoices):
    OFF = "off", _("Nobody: comments are off")
    SIGNED_IN = "signed_in", _("Signed-in readers")
    READERS = "readers", _("Readers who may read the whole article")


DEFAULT_POLICY = Policy.READERS


class AuthorCommentSettings(models.Model):
    """An author's default for who may comment on their articles (an article may choose otherwise)."""

    author = models.OneToOneField(Author, on_delete=models.CASCADE, related_name="comment_settings")
    default_policy = models.CharField(_("who may comment"), max_length=10, choices=Policy.choices,
                                      default=DEFAULT_POLICY)
    approve_first = models.BooleanField(_("approve each reader's first comment"), default=False)

    class Meta:
        verbose_name = _("comment settings")
        verbose_name_plural = _("comment settings")

    def __str__(self) -> str:
        return f"{self.author}: {self.default_policy}"


class ArticleCommentPolicy(models.Model):
    """Who may comment on one article, where its author chose something other than their default."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="comment_policy")
    policy = models.CharField(_("who may comment"), max_length=10, choices=Policy.choices)

    class Meta:
        verbose_name = _("article comment policy")
        verbose_name_plural = _("article comment policies")

    def __str__(self) -> str:
        return f"{self.article_id}: {self.policy}"


class CommentStatus(models.TextChoices):
    VISIBLE = "visible", _("Visible")
    PENDING = "pending", _("Waiting for the author's approval")
    HIDDEN = "hidden", _("Hidden by a moderator")
    REMOVED = "removed", _("Removed by a moderator")
    DELETED = "deleted", _("Deleted by its writer")


class Comment(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments",
                                verbose_name=_("article"))
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments",
                               verbose_name=_("written by"))
    # One level of replies: a reply's parent is always a top-level comment (services see to it).
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies",
                               verbose_name=_("reply to"))
    body_markdown = models.TextField(_("comment"))
    body_html = models.TextField(editable=False)
    status = models.CharField(_("status"), max_length=10, choices=CommentStatus.choices,
                              default=CommentStatus.VISIBLE)
    featured = models.BooleanField(_("featured by the author"), default=False)
    pinned = models.BooleanField(_("pinned"), default=False)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    # How many readers like it (kept with the comment, so the list shows it without a count per comment).
    like_count = models.PositiveIntegerField(_("likes"), default=0)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["article", "status", "created_at"], name="comment_article_status")]

    def __str__(self) -> str:
        return f"#{self.pk} on {self.article_id} by {self.reader_id}"


class Report(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_reports")
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(_("resolved"), default=False)

    class Meta:
        verbose_name = _("comment report")
        verbose_name_plural = _("comment reports")
        constraints = [models.UniqueConstraint(fields=["comment", "reporter"], name="report_once_per_reader")]

    def __str__(self) -> str:
        return f"report of {self.comment_id} by {self.reporter_id}"


class Block(models.Model):
    """A reader the author will not hear from: they may not comment on any of the author's articles."""

    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="comment_blocks")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("blocked reader")
        verbose_name_plural = _("blocked readers")
        constraints = [models.UniqueConstraint(fields=["author", "reader"], name="block_once")]

    def __str__(self) -> str:
        return f"{self.author} blocks {self.reader_id}"


class Like(models.Model):
    """A reader who may read a comment likes it, once."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="likes")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_likes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("like")
        verbose_name_plural = _("likes")
        constraints = [models.UniqueConstraint(fields=["comment", "reader"], name="like_once")]

    def __str__(self) -> str:
        return f"{self.reader_id} likes {self.comment_id}"

"""Personal API tokens and private feed keys: secrets a reader holds, stored only as hashes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """What a personal token may do; it can do nothing else. A signed-in session may do all of it."""

    READ = "read", _("Read articles, topics, authors and search, with free previews")
    READ_PRIVATE = "read:private", _("Read the full text of the articles you have access to")
    WRITE_ARTICLES = "write:articles", _("Write your articles: list your own, create drafts, change, price and "
                                         "publish them")
    WRITE_COMMENTS = "write:comments", _("Write comments and replies as you")


class ApiToken(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    # Space-separated Scope values, chosen when the token is made and never widened afterwards.
    scopes = models.CharField(_("scopes"), max_length=100, default=Scope.READ, editable=False)
    # The token is shown once, at creation; we keep its SHA-256 and its first characters to recognise it.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def scope_list(self) -> list[Scope]:
        held = set(self.scopes.split())
        return [scope for scope in Scope if scope.value in held]

    def allows(self, scope: Scope) -> bool:
        return scope.value in self.scopes.split()


class PrivateFeedKey(models.Model):
    """The secret in a reader's private feed URL; rotating it makes the old URL stop working."""

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="private_feed_key")
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("private feed key")
        verbose_name_plural = _("private feed keys")

    def __str__(self) -> str:
        return f"private feed of {self.owner_id}"

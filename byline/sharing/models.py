"""Referral codes, share/visit/conversion events and gift links.

Tracking is deliberately small: no IP addresses, no user agents, no third-party ids. A visit
remembers the signed-in reader only (so a later purchase can be attributed within a week);
an anonymous browser is known to a gift only by the hash of a random key in its own cookie.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from byline.articles.models import Article


class Channel(models.TextChoices):
    LINK = "link", _("Copied link")
    NATIVE = "native", _("System share sheet")
    WECHAT = "wechat", _("WeChat")
    WEIBO = "weibo", _("Weibo")
    X = "x", "X"
    FACEBOOK = "facebook", "Facebook"
    LINKEDIN = "linkedin", "LinkedIn"
    TELEGRAM = "telegram", "Telegram"
    WHATSAPP = "whatsapp", "WhatsApp"
    EMAIL = "email", _("E-mail")
    GIFT = "gift", _("Gift link")


class ReferralCode(models.Model):
    """A short, URL-safe code (`?r=`) naming who shared (or nobody) and through which channel."""

    code = models.CharField(max_length=16, unique=True)
    sharer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="referral_codes")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sharer", "channel"], name="referral_one_code_per_sharer_channel"),
            models.UniqueConstraint(fields=["channel"], condition=Q(sharer__isnull=True),
                                    name="referral_one_anonymous_code_per_channel"),
        ]

    def __str__(self) -> str:
        return self.code


class EventKind(models.TextChoices):
    SHARE = "share", _("Share")
    VISIT = "visit", _("Visit")
    REDEMPTION = "redemption", _("Gift redeemed")
    PURCHASE = "purchase", _("Purchase")
    MEMBERSHIP = "membership", _("Membership")


CONVERSION_KINDS = (EventKind.PURCHASE, EventKind.MEMBERSHIP)


class ReferralEvent(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="referral_events")
    referral = models.ForeignKey(ReferralCode, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    # Only a signed-in reader, and only so that a purchase within the attribution window can be counted.
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["article", "kind"], name="refevent_article_kind"),
            models.Index(fields=["reader", "article", "-created_at"], name="refevent_reader_article"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of article {self.article_id}"


class GiftStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended with the purchase it came from")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")
    USED_UP = "used_up", _("All uses taken")
    REMOVED = "removed", _("Article removed")


class GiftLink(models.Model):
    """An unguessable link that opens one article in full for a limited number of people.

    A gift lives as long as what let its giver give it: `source` is the access reason the giver had
    (purchase, membership, author, staff) and, for a purchase, `source_ref` its id. Undoing or
    refunding that purchase ends the gift (`ended_at`) for everyone, recipients who opened it included.
    """

    token = models.CharField(max_length=43, unique=True)
    # SET_NULL, so a link to a deleted article still explains itself instead of vanishing.
    article = models.ForeignKey(Article, null=True, on_delete=models.SET_NULL, related_name="gift_links")
    giver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="gift_links")
    max_redemptions = models.PositiveSmallIntegerField()
    redemption_count = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=12, blank=True, default="")
    source_ref = models.PositiveBigIntegerField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["giver", "-created_at"], name="gift_giver_created"),
            models.Index(fields=["source", "source_ref"], condition=Q(source_ref__isnull=False),
                         name="gift_source"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(redemption_count__lte=F("max_redemptions")),
                                   name="gift_redemptions_within_limit"),
        ]

    def __str__(self) -> str:
        return f"gift {self.pk}"

    def status(self, now=None) -> GiftStatus:
        now = now or timezone.now()
        if self.article_id is None:
            return GiftStatus.REMOVED
        if self.ended_at is not None:
            return GiftStatus.ENDED
        if self.revoked_at is not None:
            return GiftStatus.REVOKED
        if self.expires_at <= now:
            return GiftStatus.EXPIRED
        if self.redemption_count >= self.max_redemptions:
            return GiftStatus.USED_UP
        return GiftStatus.ACTIVE

    @property
    def uses_left(self) -> int:
        return max(0, self.max_redemptions - self.redemption_count)


class GiftRedemption(models.Model):
    """One distinct recipient of a gift: a signed-in reader, or one anonymous browser."""

    gift = models.ForeignKey(GiftLink, on_delete=models.CASCADE, related_name="redemptions")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="gift_redemptions")
    browser_key_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gift", "recipient"], condition=Q(recipient__isnull=False),
                                    name="gift_redeemed_once_per_reader"),
            models.UniqueConstraint(fields=["gift", "browser_key_hash"], condition=~Q(browser_key_hash=""),
                                    name="gift_redeemed_once_per_browser"),
        ]

    def __str__(self) -> str:
        return f"redemption of gift {self.gift_id}"

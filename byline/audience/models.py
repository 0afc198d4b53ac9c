"""Who wants to hear about new articles, and what was sent to them.

- `Subscriber`: one e-mail address (with the reader's account, if they have one) and how it wants mail.
  Nothing is ever sent to an address until it is confirmed (`confirmed_at`, double opt-in).
- `Subscription`: one list a subscriber is on: an author, a topic, or the whole publication.
- `Newsletter`: an article's send, made once when the article goes live (unique per article).
- `Delivery`: the outbox, one row per (article, subscriber), unique; a row is marked sent only after the
  mail server accepted its message, so a retried or restarted send skips nobody and repeats nobody.
- `Notification`: the bell on the site for signed-in readers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from byline.articles.models import Article, Author, Topic


class Frequency(models.TextChoices):
    EACH = "each", _("Each new article")
    DAILY = "daily", _("A daily digest")
    WEEKLY = "weekly", _("A weekly digest")
    NEVER = "never", _("No e-mail (only the notifications on the site)")


class MailFormat(models.TextChoices):
    HTML = "html", _("Formatted (HTML, with a plain-text copy)")
    TEXT = "text", _("Plain text only")


SUPPRESSION_LABELS = {
    "bounced": _("its mail bounced"),
    "complained": _("reported our mail as spam"),
    "unsubscribed": _("unsubscribed at the e-mail service"),
    "rejected": _("refused by the e-mail service"),
}


class Subscriber(models.Model):
    # Empty (NULL) for a signed-in follower whose account has no address: the bell still tells them.
    email = models.EmailField(_("e-mail address"), max_length=254, unique=True, null=True, blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="subscriber")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    frequency = models.CharField(_("how often"), max_length=8, choices=Frequency.choices, default=Frequency.EACH)
    mail_format = models.CharField(_("format"), max_length=4, choices=MailFormat.choices, default=MailFormat.HTML)
    confirmed_at = models.DateTimeField(_("address confirmed"), null=True, blank=True)
    # One-click unsubscribe stops every newsletter to the address; the preference page can start them again.
    stopped_at = models.DateTimeField(_("e-mail stopped"), null=True, blank=True)
    # A hard bounce or a complaint: never mail this address again, whatever the preferences say.
    suppressed_at = models.DateTimeField(_("suppressed"), null=True, blank=True)
    # Why (the e-mail service's word, through its webhook): "bounced", "complained", "unsubscribed", "rejected".
    suppressed_reason = models.CharField(_("why suppressed"), max_length=16, blank=True)
    # The end of the period the last digest covered (daily and weekly readers).
    last_digest_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")

    def __str__(self) -> str:
        return self.email or f"#{self.pk}"

    @property
    def suppression_label(self) -> str:
        """Why the address gets no newsletters, in words for the author's list ("" when it is not suppressed)."""
        if self.suppressed_at is None:
            return ""
        return str(SUPPRESSION_LABELS.get(self.suppressed_reason, SUPPRESSION_LABELS["bounced"]))

    @property
    def receives_mail(self) -> bool:
        return (bool(self.email) and self.confirmed_at is not None and self.stopped_at is None
                and self.suppressed_at is None and self.frequency != Frequency.NEVER)


class ListKind(models.TextChoices):
    AUTHOR = "author", _("Author")
    TOPIC = "topic", _("Topic")
    SITE = "site", _("Whole publication")


class Consent(models.TextChoices):
    FOLLOW = "follow", _("Followed while signed in")
    DOUBLE_OPT_IN = "opt-in", _("Subscribed by e-mail and confirmed the address")
    IMPORT = "import", _("Imported by the author, consent recorded elsewhere")


class Subscription(models.Model):
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="subscriptions")
    kind = models.CharField(_("list"), max_length=8, choices=ListKind.choices)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, null=True, blank=True, related_name="subscriptions")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, null=True, blank=True, related_name="subscriptions")
    consent = models.CharField(_("consent"), max_length=8, choices=Consent.choices)
    # When the subscriber agreed to this list: at once for a signed-in follow, on confirmation by e-mail.
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.CheckConstraint(name="subscription_target_matches_kind", condition=(
                Q(kind="author", author__isnull=False, topic__isnull=True)
                | Q(kind="topic", topic__isnull=False, author__isnull=True)
                | Q(kind="site", author__isnull=True, topic__isnull=True))),
            models.UniqueConstraint(fields=["subscriber", "author"], condition=Q(kind="author"),
                                    name="subscription_one_per_author"),
            models.UniqueConstraint(fields=["subscriber", "topic"], condition=Q(kind="topic"),
                                    name="subscription_one_per_topic"),
            models.UniqueConstraint(fields=["subscriber"], condition=Q(kind="site"), name="subscription_one_site"),
        ]
        indexes = [models.Index(fields=["author", "confirmed_at"], name="subscription_author")]

    def __str__(self) -> str:
        return f"{self.subscriber} → {self.list_key}"

    @property
    def list_key(self) -> str:
        """"author:3", "topic:2" or "site": how a follow is named in caches and forms."""
        if self.kind == ListKind.AUTHOR:
            return f"author:{self.author_id}"
        if self.kind == ListKind.TOPIC:
            return f"topic:{self.topic_id}"
        return "site"


class Newsletter(models.Model):
    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="newsletter")
    queued_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set when the send stopped because the article was no longer live (unpublished while sending).
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # An e-mail-only post: a free article sent to the list while it stays a draft on the site (never live,
    # so no page, feed, search or listing shows it; the access decision gives no one but its author more
    # than the free part, and a free article is all free part).
    email_only = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("newsletter")
        verbose_name_plural = _("newsletters")

    def __str__(self) -> str:
        return str(self.article)


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", _("Accepted by the mail server")
    FAILED = "failed", _("Refused by the mail server")
    SKIPPED = "skipped", _("Not sent (address stopped, suppressed, or article taken down)")


class Delivery(models.Model):
    """The outbox: one (article, subscriber) row, sent at most once."""

    # None for an article that reached the reader in a digest (it may have had no newsletter of its own).
    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="deliveries", null=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=8, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    # A claim is a lease: a worker that dies holding rows loses them when it runs out.
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    # Which copy went out, for the author's figures ("full", "preview" or "digest").
    copy = models.CharField(max_length=8, blank=True)
    # What the e-mail service later said about the message (its tracking webhook): "delivered", "bounced",
    # "rejected" or "complained". Empty with plain SMTP, which says nothing after accepting.
    outcome = models.CharField(max_length=12, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["article", "subscriber"], name="delivery_once_per_reader")]
        indexes = [models.Index(fields=["newsletter", "state"], name="delivery_newsletter_state")]

    def __str__(self) -> str:
        return f"{self.article_id} → {self.subscriber_id}: {self.state}"


class NotificationKind(models.TextChoices):
    NEW_ARTICLE = "article", _("New article")
    GIFT = "gift", _("Gift received")
    COMMENT = "comment", _("New comment on your article")
    REPLY = "reply", _("Reply to your comment")
    MENTION = "mention", _("Mention in a comment")


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=8, choices=NotificationKind.choices)
    # Empty only for a paid gift's notification (`paid_gift`): months of a membership or of a writer's
    # subscription have no article, and the bell shows any gift by what it is and its claim state.
    article = models.ForeignKey(Article, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="notifications")
    # The paid gift (byline/gifts) bought for an address that is this reader's verified one. Only its id is
    # kept: whether the claim link is shown, or "claimed", is read from the gift when the bell is shown.
    paid_gift = models.ForeignKey("gifts.PaidGift", on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="+")
    # The comment a COMMENT, REPLY or MENTION notification is about. Only its id is kept: what the bell shows of it
    # (an excerpt, or only the writer's name) is decided when it is shown, by the access decision.
    comment = models.ForeignKey("comments.Comment", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when the e-mail copy of a comment notification was claimed for sending: at most one is sent.
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "article"], condition=Q(comment__isnull=True),
                                    name="notification_once"),
            models.UniqueConstraint(fields=["user", "comment"], condition=Q(comment__isnull=False),
                                    name="notification_once_per_comment"),
            # A paid gift has one recipient, so it is told once, to one reader.
            models.UniqueConstraint(fields=["paid_gift"], condition=Q(paid_gift__isnull=False),
                                    name="notification_once_per_paid_gift"),
            models.CheckConstraint(name="notification_about_something",
                                   condition=Q(article__isnull=False) | Q(paid_gift__isnull=False)),
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind} {self.article_id or f'paid gift {self.paid_gift_id}'}"


class Click(models.Model):
    """A recipient followed a link in a newsletter: one row per (outbox row, link), however often."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="clicks")
    link = models.CharField(max_length=32)  # a digest of the address, for the unique constraint
    url = models.URLField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("click")
        verbose_name_plural = _("clicks")
        constraints = [models.UniqueConstraint(fields=["delivery", "link"], name="click_once_per_link")]

    def __str__(self) -> str:
        return f"{self.delivery_id}: {self.url}"

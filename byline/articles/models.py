"""Authors, topics and articles.

An article keeps its Markdown source and two rendered, sanitised halves stored apart:
`preview_html` (anyone may see it) and `locked_html` (only readers whom `access.decide`
entitles). Both are derived by `articles.services.render_into` and never edited by hand.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

slug_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    _("Use lowercase letters, digits and single hyphens, e.g. grand-canal-history."),
)


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    CHINESE = "zh-hans", _("Simplified Chinese")


class Currency(models.TextChoices):
    CNY = "CNY", _("Chinese yuan (CNY)")
    USD = "USD", _("US dollar (USD)")
    EUR = "EUR", _("Euro (EUR)")


class Visibility(models.TextChoices):
    FREE = "free", _("Free")
    PAID = "paid", _("Paid")
    MEMBERS = "members", _("Members only")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")


LIVE_STATUSES = (Status.PUBLISHED, Status.SCHEDULED)


class PublicationState(models.TextChoices):
    """Where an article really stands now, from its status and its publish time together."""

    LIVE = "live", _("Live")
    SCHEDULED = "scheduled", _("Scheduled")
    DRAFT = "draft", _("Draft")


def _localised(english: str, chinese: str) -> str:
    if chinese and (get_language() or "").startswith("zh"):
        return chinese
    return english


class Author(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="author")
    slug = models.SlugField(_("slug"), max_length=80, unique=True, validators=[slug_validator])
    display_name = models.CharField(_("display name"), max_length=120)
    display_name_zh = models.CharField(_("display name in Chinese"), max_length=120, blank=True)
    bio = models.TextField(_("biography"), blank=True, max_length=2000)
    bio_zh = models.TextField(_("biography in Chinese"), blank=True, max_length=2000)
    # Sales terms the writer chooses (byline/purchases: rules and the settings page). On the row the article
    # page and a purchase already load, so they cost no query.
    referral_percent = models.PositiveSmallIntegerField(
        _("commission for readers whose share brought a buyer (percent of your share)"), default=0,
        validators=[MaxValueValidator(50)])
    refund_hours = models.PositiveSmallIntegerField(
        _("hours in which readers may refund a purchase themselves"), default=0)

    class Meta:
        ordering = ["display_name"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("articles:author", kwargs={"slug": self.slug})

    @property
    def name(self) -> str:
        return _localised(self.display_name, self.display_name_zh)

    @property
    def localised_bio(self) -> str:
        return _localised(self.bio, self.bio_zh)


class Topic(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True, validators=[slug_validator])
    name_en = models.CharField(_("name in English"), max_length=80)
    name_zh = models.CharField(_("name in Chinese"), max_length=80, blank=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.name_en

    def get_absolute_url(self) -> str:
        return reverse("articles:topic", kwargs={"slug": self.slug})

    @property
    def name(self) -> str:
        return _localised(self.name_en, self.name_zh)


class Tag(models.Model):
    """A writer's free label on articles (topics are the site's fixed sections). Made by the studio:
    the slug from the name as an article's is (pinyin for Chinese), and a name whose slug exists already
    is that tag ("Grand Canal" and "grand canal" are one)."""

    name = models.CharField(_("name"), max_length=40)
    slug = models.SlugField(_("slug"), max_length=80, unique=True, validators=[slug_validator])

    class Meta:
        ordering = ["slug"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("articles:tag", kwargs={"slug": self.slug})


class ArticleQuerySet(models.QuerySet):
    def published(self) -> ArticleQuerySet:
        """Live now: published, or scheduled and due (no background job needed to flip it)."""
        return self.filter(status__in=LIVE_STATUSES, published_at__lte=timezone.now())

    def for_listing(self) -> ArticleQuerySet:
        return self.select_related("author", "topic").defer("body_markdown", "locked_html")


class Article(models.Model):
    title = models.CharField(_("title"), max_length=200)
    subtitle = models.CharField(_("subtitle"), max_length=300, blank=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, validators=[slug_validator])
    lang = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.ENGLISH)
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="articles", verbose_name=_("topic"))
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="articles", verbose_name=_("author"))
    body_markdown = models.TextField(
        _("body (Markdown)"),
        help_text=_("Put the line <!-- paywall --> where the free preview ends."),
    )
    price_minor = models.PositiveIntegerField(
        _("price in minor units"),
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("In cents or fen: 300 means 3.00."),
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.USD)
    # The author's own prices in the other currencies the site sells, {"CNY": 1800} (minor units); where
    # none is set, readers of that currency pay the converted price (byline/core/conversion.py).
    prices = models.JSONField(_("prices in other currencies"), default=dict, blank=True)
    # Hours in which a buyer may refund this article themselves; empty: the author's default (Author.refund_hours).
    # Capped by the operator's REFUND_ON_REQUEST_MAX_HOURS (byline/purchases.refunds_on_request).
    refund_hours = models.PositiveSmallIntegerField(_("hours in which buyers may refund it themselves"), null=True,
                                                    blank=True)
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.FREE)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("publish time"), null=True, blank=True)
    # What search engines and share previews show; empty: an excerpt of the free preview.
    description = models.CharField(_("SEO description"), max_length=300, blank=True)
    # For a piece first published elsewhere: the address search engines should treat as the original.
    canonical_url = models.URLField(_("canonical URL"), max_length=500, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles", verbose_name=_("tags"))
    # The tags again as [[slug, name], ...] in the writer's order, kept with the row so that the article page
    # (its cached stamp) shows them without a query; `tags` is what the tag pages query. Set with the tags.
    tag_list = models.JSONField(editable=False, default=list, blank=True)
    # The cover's public address (`/images/<key>/<width>.<format>`, an upload of this article's), empty if
    # none. A cover is public (cards, share previews): studio.services refuses one only the locked half shows.
    cover_url = models.CharField(_("cover image"), max_length=200, blank=True)

    # Derived on save by articles.services.render_into; never edited by hand.
    preview_html = models.TextField(editable=False, default="")
    locked_html = models.TextField(editable=False, default="")
    preview_text = models.TextField(editable=False, default="")
    preview_words = models.PositiveIntegerField(editable=False, default=0)
    locked_words = models.PositiveIntegerField(editable=False, default=0)
    has_divider = models.BooleanField(editable=False, default=False)
    version = models.PositiveIntegerField(editable=False, default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        permissions = [("read_all_articles", _("Can read every article in full"))]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_status_published"),
            models.Index(fields=["topic", "status", "-published_at"], name="article_topic_published"),
            models.Index(fields=["author", "status", "-published_at"], name="article_author_published"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(visibility="free") | models.Q(price_minor__gt=0) | models.Q(visibility="members"),
                name="article_paid_has_price",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @property
    def is_free(self) -> bool:
        return self.visibility == Visibility.FREE

    @property
    def is_live(self) -> bool:
        return (
            self.status in LIVE_STATUSES
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    def price_in(self, currency: str) -> int:
        """What this article costs in `currency`: the author's own price there, else the converted one."""
        from byline.core.conversion import price_in

        return price_in(base_minor=self.price_minor, base_currency=self.currency, own=self.prices, currency=currency)

    @property
    def publication_state(self) -> PublicationState:
        """Live (readers see it), scheduled (it goes live at its publish time) or draft (nobody but its
        author and staff sees it; a status without a publish time is one too)."""
        if self.status in LIVE_STATUSES and self.published_at is not None:
            return PublicationState.LIVE if self.published_at <= timezone.now() else PublicationState.SCHEDULED
        return PublicationState.DRAFT

    @property
    def tag_links(self) -> list[tuple[str, str]]:
        """(address, name) of each tag, from the row itself (no query)."""
        return [(reverse("articles:tag", kwargs={"slug": slug}), name) for slug, name in self.tag_list or []]

    @property
    def total_words(self) -> int:
        return self.preview_words + self.locked_words

    @property
    def reading_minutes(self) -> int:
        from byline.articles.text import reading_minutes

        return reading_minutes(self.total_words, self.lang)

    @property
    def locked_reading_minutes(self) -> int:
        from byline.articles.text import reading_minutes

        return reading_minutes(self.locked_words, self.lang)


class SlugRedirect(models.Model):
    """An address an article was once published at: the article page sends its readers on (301)."""

    old_slug = models.SlugField(max_length=120, unique=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="slug_redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.old_slug} -> {self.article_id}"

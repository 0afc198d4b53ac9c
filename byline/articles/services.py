"""Writes for articles: rendering on save, creating and updating, importing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from byline.articles.models import Article, Author, Currency, Language, Status, Topic, Visibility
from byline.articles.text import find_dividers, render_body
from byline.core.money import exact_minor
from byline.core.text_input import TextRefused, normalise_text

RENDERED_FIELDS = ("preview_html", "locked_html", "preview_text", "preview_words", "locked_words", "has_divider")
MAX_PRICE_MINOR = 1_000_000_00
VERSIONED_FIELDS = ("title", "subtitle", "description", "canonical_url", "body_markdown",
                    "price_minor", "currency", "prices", "visibility", "lang", "status")


def render_into(article: Article) -> bool:
    """Fill the article's derived fields from its Markdown; bump its version when anything shown changed.

    Returns whether the version changed, so callers know cached pages are stale.
    """
    rendered = render_body(article.body_markdown, priced=article.visibility != Visibility.FREE)
    for name in RENDERED_FIELDS:
        setattr(article, name, getattr(rendered, name))
    if article.pk is None:
        return True
    previous = Article.objects.filter(pk=article.pk).values(*VERSIONED_FIELDS, "topic_id", "author_id").first()
    if previous is None:
        return True
    current = {name: getattr(article, name) for name in VERSIONED_FIELDS}
    current.update(topic_id=article.topic_id, author_id=article.author_id)
    if current != previous:
        article.version += 1
        return True
    return False


def publish_time(*, status: str, published_at: dt.datetime | None,
                 now: dt.datetime | None = None) -> tuple[str, dt.datetime | None]:
    """The status and time an article is saved with: publishing without a time publishes now, and
    "published" at a future time is a schedule. Drafts keep whatever time was planned."""
    now = now or timezone.now()
    if status == Status.PUBLISHED and published_at is None:
        return Status.PUBLISHED, now
    if status == Status.PUBLISHED and published_at > now:
        return Status.SCHEDULED, published_at
    return status, published_at


def prepare_for_save(article: Article) -> bool:
    """What every write of an article does just before saving it (the admin, `upsert_article`):
    settle its publish time, then render its halves. Returns whether its version changed."""
    article.status, article.published_at = publish_time(status=article.status, published_at=article.published_at)
    return render_into(article)


def normalised_fields(**fields: str) -> dict[str, str]:
    """`normalise_text` over each named text; a refused one is a ValidationError naming its field."""
    cleaned, errors = {}, {}
    for name, value in fields.items():
        try:
            cleaned[name] = normalise_text(value)
        except TextRefused as refused:
            errors[name] = [refused.message]
    if errors:
        raise ValidationError(errors)
    return cleaned


def to_minor_units(amount: str | int | float | Decimal, currency: str) -> int:
    """Exact conversion of a major-unit amount ("3.00") to minor units (300); rejects what is not exact."""
    if currency not in settings.CURRENCIES:
        raise ValidationError(_("Unknown currency %(currency)s.") % {"currency": currency})
    if isinstance(amount, float):
        amount = repr(amount)
    try:
        value = Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(_("“%(amount)s” is not a price.") % {"amount": amount}) from None
    if not value.is_finite():
        raise ValidationError(_("“%(amount)s” is not a price.") % {"amount": amount})
    if value < 0:
        raise ValidationError(_("A price cannot be negative."))
    minor = exact_minor(value, settings.CURRENCIES[currency], at_most=MAX_PRICE_MINOR)
    if minor is None:
        raise ValidationError(_("%(amount)s has more decimals than %(currency)s allows.") % {
            "amount": amount, "currency": currency})
    if minor > MAX_PRICE_MINOR:
        raise ValidationError(_("That price is too high."))
    return minor


@dataclass
class ArticleData:
    """Everything needed to create or update one article, already parsed."""

    title: str
    slug: str
    lang: str
    topic: Topic
    author: Author
    body_markdown: str
    price_minor: int = 0
    currency: str = Currency.USD
    prices: dict[str, int] = field(default_factory=dict)  # the author's own prices in other currencies
    visibility: str = Visibility.FREE
    status: str = Status.PUBLISHED
    published_at: dt.datetime | None = None


@transaction.atomic
def upsert_article(data: ArticleData) -> tuple[Article, bool]:
    """Create the article with this slug, or update it; validated in full before anything is written."""
    # Text enters here from the importer, the API and any other caller in code: normalised once.
    text = normalised_fields(title=data.title, body_markdown=data.body_markdown)
    article = Article.objects.select_for_update().filter(slug=data.slug).first()
    created = article is None
    if article is None:
        article = Article(slug=data.slug)
    article.title = text["title"]
    article.lang = data.lang
    article.topic = data.topic
    article.author = data.author
    article.body_markdown = text["body_markdown"]
    article.price_minor = data.price_minor
    article.currency = data.currency
    article.prices = own_prices(data.prices, base_currency=data.currency)
    article.visibility = data.visibility
    article.status = data.status
    article.published_at = data.published_at
    validate_article(article)
    prepare_for_save(article)
    article.save()
    return article, created


def divider_errors(body_markdown: str) -> list[str]:
    """What is wrong with where a priced article's paywall divider stands (see text.is_divider_line)."""
    found = find_dividers(body_markdown)
    # A marker sharing its line with text, when there is no divider at all, is a split the author meant
    # and did not get. Next to a real divider, it is only text (shown as written).
    errors = [] if found.at else [
        _("Line %(line)d has the paywall line next to other text: put <!-- paywall --> on a line of its own.")
        % {"line": index + 1} for index in found.stray
    ]
    if found.nothing_below:
        errors.append(_("Nothing follows the paywall line, so readers would pay for nothing: move the line up, "
                        "or make the article free."))
    return errors


def own_prices(prices: dict | None, *, base_currency: str) -> dict:
    """The author's own prices in other currencies, as stored: zero or empty entries and the main
    price's own currency left out (the main price already says it)."""
    return {code: amount for code, amount in sorted((prices or {}).items())
            if code != base_currency and amount not in (None, "", 0)}


def price_errors(prices: dict | None) -> list[str]:
    """What is wrong with an author's own prices in other currencies ({"CNY": 1800}, minor units)."""
    from byline.core.conversion import sold_currencies

    errors = []
    for code, amount in (prices or {}).items():
        if code not in sold_currencies():
            errors.append(_("Prices are not offered in %(currency)s.") % {"currency": code})
        elif amount not in (None, "", 0) and (type(amount) is not int or not 0 < amount <= MAX_PRICE_MINOR):
            errors.append(_("The price in %(currency)s must be a whole number of minor units above zero.") % {
                "currency": code})
    return errors


def rule_errors(*, lang: str, visibility: str, price_minor: int, status: str, published_at,
                body_markdown: str | None = None, prices: dict | None = None) -> dict[str, list[str]]:
    """Byline's own rules about an article's fields, beyond what each field checks alone."""
    errors: dict[str, list[str]] = {}
    if body_markdown and visibility != Visibility.FREE:
        problems = divider_errors(body_markdown)
        if problems:
            errors["body_markdown"] = problems
    if price_errors(prices):
        errors["prices"] = price_errors(prices)
    if lang not in Language.values:
        errors["lang"] = [_("Unknown language “%(lang)s”: use en or zh-hans.") % {"lang": lang}]
    if visibility == Visibility.PAID and (price_minor or 0) <= 0:
        errors["price_minor"] = [_("A paid article needs a price above zero.")]
    if status == Status.SCHEDULED and published_at is None:
        errors["published_at"] = [_("A scheduled article needs a publish time.")]
    return errors


def validate_article(article: Article) -> None:
    """Model validation plus Byline's rules, raising one ValidationError with every problem."""
    errors: dict[str, list[str]] = {}
    try:
        article.full_clean(exclude=["slug"] if article.pk else None)
    except ValidationError as error:
        errors.update(error.message_dict)
    for name, messages in rule_errors(
        lang=article.lang, visibility=article.visibility, price_minor=article.price_minor,
        status=article.status, published_at=article.published_at, body_markdown=article.body_markdown,
        prices=article.prices,
    ).items():
        errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def set_sales_terms(*, author, referral_percent: int, refund_hours: int) -> None:
    """A writer's terms for all their articles (byline/purchases applies them): the referral commission, in
    percent of their share (0 to 50), and the hours in which buyers may refund a purchase themselves (0: the
    site's default). They change no article's text, so no page version moves."""
    Author.objects.filter(pk=author.pk).update(referral_percent=max(0, min(referral_percent, 50)),
                                               refund_hours=max(0, refund_hours))


def set_article_refund_hours(*, article, hours: int | None) -> None:
    """One article's own refund hours (None: its author's default)."""
    Article.objects.filter(pk=article.pk).update(refund_hours=hours if hours is None else max(0, hours))

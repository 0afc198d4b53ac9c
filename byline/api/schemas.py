"""What the Content API accepts and answers. Inputs forbid unknown fields and bound every size."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, Field, field_validator

from byline.core.text_input import TextRefused, normalise_text


def _normalised(value: object) -> object:
    """Text enters here: normalised once (core.text_input); a NUL is a 422 that says so."""
    if not isinstance(value, str):
        return value
    try:
        return normalise_text(value)
    except TextRefused as refused:
        raise ValueError(refused.message) from None


Slug = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
Lang = Literal["en", "zh-hans"]
CurrencyCode = Literal["CNY", "USD", "EUR"]
VisibilityName = Literal["free", "paid", "members"]
# Printable text on one line: no control characters (PostgreSQL refuses NUL, and titles have no tabs).
ONE_LINE = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
OneLine = Annotated[str, BeforeValidator(_normalised), Field(min_length=1, max_length=200, pattern=ONE_LINE)]
# Normalised first: line endings become LF and invisible control characters go (a NUL is refused).
Markdown = Annotated[str, BeforeValidator(_normalised), Field(min_length=1, max_length=200_000)]
PriceMinor = Annotated[int, Field(ge=0, le=100_000_000)]
# Your own prices in other currencies, in minor units ({"CNY": 1800}); a currency left out is charged the main
# price converted and rounded up to a price step.
OwnPrices = Annotated[dict[CurrencyCode, Annotated[int, Field(ge=1, le=100_000_000)]], Field(max_length=3)]
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict] | None = None


class TopicOut(Schema):
    slug: str
    name_en: str
    name_zh: str
    url: str


class AuthorOut(Schema):
    slug: str
    display_name: str
    display_name_zh: str
    bio: str
    bio_zh: str
    url: str


class RelatedArticleOut(Schema):
    """Stable shape of a related article (the recommendation engine keeps it)."""

    id: int
    slug: str
    title: str
    teaser: str
    lang: str
    price_minor: int = Field(description="The author's main price, in minor units of `currency`.")
    currency: str
    prices: dict[str, int] = Field(description="What a reader pays in each currency the site sells (minor units): "
                                               "the author's own price there, else the main price converted and "
                                               "rounded up to a price step. A reader pays in their own currency.")
    visibility: str
    url: str


class ArticleSummaryOut(RelatedArticleOut):
    topic: str
    author: str
    published_at: dt.datetime | None
    reading_minutes: int


class AccessOut(Schema):
    allowed: bool
    reason: str


class TagOut(Schema):
    slug: str
    name: str
    url: str


class ArticleOut(ArticleSummaryOut):
    tags: list[TagOut] = Field(description="The writer's tags, in their order.")
    cover_url: str | None = Field(description="The cover image (public, as the free preview is); null if none.")
    preview_html: str
    locked_html: str | None = Field(description="The rest of the article; null unless the reader is entitled.")
    locked_words: int
    access: AccessOut
    topic_detail: TopicOut
    author_detail: AuthorOut


class OwnArticleOut(ArticleOut):
    status: str
    state: Literal["live", "scheduled", "draft"] = Field(
        description="Where the article really stands now: live, scheduled (see published_at) or draft.")
    version: int
    own_prices: dict[str, int] = Field(description="The prices you set yourself in other currencies (minor units).")


class ArticlePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ArticleSummaryOut]


class TopicPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[TopicOut]


class AuthorPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AuthorOut]


class SearchHitOut(Schema):
    article: ArticleSummaryOut
    snippet_html: str = Field(description="Escaped text with the query's terms in <mark>.")
    full_text: bool = Field(description="Whether the locked part was searched for this reader.")


class SearchPage(Schema):
    query: str
    count: int
    limit: int
    offset: int
    items: list[SearchHitOut]


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class ArticleCreateIn(_Strict):
    title: OneLine
    slug: Slug
    lang: Lang = "en"
    topic: Slug
    body_markdown: Markdown
    visibility: VisibilityName = "free"
    price_minor: PriceMinor = 0
    currency: CurrencyCode = "USD"
    own_prices: OwnPrices = Field(default_factory=dict)


class ArticleUpdateIn(_Strict):
    title: OneLine | None = None
    lang: Lang | None = None
    topic: Slug | None = None
    body_markdown: Markdown | None = None


class ArticlePriceIn(_Strict):
    visibility: VisibilityName
    price_minor: PriceMinor = 0
    currency: CurrencyCode = "USD"
    own_prices: OwnPrices = Field(default_factory=dict)


class PublishIn(_Strict):
    published_at: dt.datetime | None = Field(
        default=None, description="When to go live; omit for now, a future time schedules it.")

    @field_validator("published_at")
    @classmethod
    def _bounded(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2030-01-01T09:00:00Z")
        if not EARLIEST <= value <= LATEST:
            raise ValueError("must be between 2000 and 2100")
        return value


class CollectionOut(Schema):
    """A collection (series): its parts in order (live ones), its price, and for the reader asking what they
    would pay now (the price less what they paid for parts) and whether the whole of it is theirs."""

    slug: str
    title: str
    description: str
    author: str
    url: str
    price_minor: int
    currency: str
    prices: dict[str, int]
    includes_later: bool
    part_count: int


class CollectionDetailOut(CollectionOut):
    parts: list[ArticleSummaryOut]
    readable_parts: list[str] = Field(description="Slugs of the parts this reader may read in full.")
    quote: dict[str, Any] = Field(description="price_minor, credit_minor, to_pay_minor, parts_owned, currency.")
    owned: bool


class CollectionPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CollectionOut]

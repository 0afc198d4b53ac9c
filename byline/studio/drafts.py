"""What the editor sends, once the form has parsed it."""

from __future__ import annotations

from dataclasses import dataclass, field

from byline.articles.models import Topic


@dataclass
class Draft:
    """The text and the article's settings, as the writer has them in the editor (prices in minor units)."""

    title: str
    body_markdown: str
    topic: Topic
    lang: str
    subtitle: str = ""
    visibility: str = "free"
    price_minor: int = 0
    currency: str = "USD"
    prices: dict[str, int] = field(default_factory=dict)
    description: str = ""
    canonical_url: str = ""
    slug: str = ""  # empty: made from the title
    tags: list[str] | None = None  # None: the article's tags stay as they are
    cover: str | None = None  # an uploaded image's key; "": no cover; None: the cover stays as it is

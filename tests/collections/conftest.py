"""Collections fixtures: an author's series of three paid articles (USD 3.00 each) sold whole for USD 7.00."""

from __future__ import annotations

import pytest

from byline.collections import services
from tests.conftest import make_article


def make_collection(author, *, parts: int = 3, price_minor: int = 700, includes_later: bool = True,
                    slug: str = "the-series", title: str = "The harbour series"):
    collection = services.save_collection(author=author, title=title, slug=slug, description="Three stories.",
                                          price_minor=price_minor, currency="USD", prices={},
                                          includes_later=includes_later)
    articles = [make_article(author=author, title=f"Harbour part {n + 1}", slug=f"{slug}-part-{n + 1}")
                for n in range(parts)]
    for article in articles:
        services.add_article(collection=collection, article=article)
    return collection, articles


@pytest.fixture
def series(db, author):
    return make_collection(author)

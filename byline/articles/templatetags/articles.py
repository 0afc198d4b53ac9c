"""Template helpers about an article itself: its card's teaser (here, not in core's `byline` library, because
core sits below articles)."""

from __future__ import annotations

from django import template

from byline.articles.text import excerpt

register = template.Library()


@register.filter
def teaser(article) -> str:
    """A card's teaser from the preview alone: shorter for Chinese, whose characters carry more."""
    limit = 80 if str(getattr(article, "lang", "")).startswith("zh") else 170
    return excerpt(article.preview_text, limit)

"""Reads of the writing studio: an author's articles, revisions and their differences, previews."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.db.models import QuerySet

from byline.articles.models import Article, Author, Visibility
from byline.articles.text import RenderedBody, reading_minutes, render_body
from byline.studio.drafts import Draft
from byline.studio.models import Revision, RevisionKind

REVISIONS_SHOWN = 100


def articles_of(*, author: Author) -> QuerySet[Article]:
    """Every article of `author`, newest change first, without the long texts."""
    return (Article.objects.filter(author=author).select_related("topic")
            .defer("body_markdown", "locked_html", "preview_html", "preview_text").order_by("-updated_at", "-id"))


def article_of(*, author: Author, pk: int) -> Article | None:
    return Article.objects.select_related("author", "topic").filter(author=author, pk=pk).first()


def head_of(article: Article) -> Revision | None:
    """The article's newest revision that is not a conflict: what an editor opened now starts from."""
    return article.revisions.exclude(kind=RevisionKind.CONFLICT).order_by("-id").first()


def revisions_of(article: Article) -> list[Revision]:
    return list(article.revisions.select_related("created_by").defer("body_markdown")[:REVISIONS_SHOWN])


def revision_of(article: Article, pk: int) -> Revision | None:
    return article.revisions.filter(pk=pk).first()


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed", "gap"
    text: str


def line_diff(before: str, after: str, *, context: int = 3) -> list[DiffLine]:
    """A line-by-line comparison of two texts (difflib's unified diff, without its headers)."""
    lines: list[DiffLine] = []
    for line in difflib.unified_diff(before.split("\n"), after.split("\n"), lineterm="", n=context):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            lines.append(DiffLine("gap", ""))
        elif line.startswith("+"):
            lines.append(DiffLine("added", line[1:]))
        elif line.startswith("-"):
            lines.append(DiffLine("removed", line[1:]))
        else:
            lines.append(DiffLine("same", line[1:]))
    return lines


@dataclass(frozen=True)
class Preview:
    """A text as the article page will show it, rendered by the code that renders articles on save."""

    article: Article  # unsaved: carries the rendered halves for the article page's own templates
    rendered: RenderedBody
    above_minutes: int
    below_minutes: int


def preview_of(*, draft: Draft, author: Author, saved: Article | None = None) -> Preview:
    """The edited text as the article page will show it, on an unsaved article: nothing is written."""
    rendered = render_body(draft.body_markdown, priced=draft.visibility != Visibility.FREE)
    article = Article(pk=saved.pk if saved else None, title=draft.title, subtitle=draft.subtitle,
                      body_markdown=draft.body_markdown, lang=draft.lang, visibility=draft.visibility,
                      price_minor=draft.price_minor, currency=draft.currency, prices=draft.prices, author=author,
                      topic=draft.topic, slug=saved.slug if saved else "preview",
                      status=saved.status if saved else "draft", published_at=saved.published_at if saved else None)
    for name in ("preview_html", "locked_html", "preview_text", "preview_words", "locked_words", "has_divider"):
        setattr(article, name, getattr(rendered, name))
    return Preview(article=article, rendered=rendered,
                   above_minutes=reading_minutes(rendered.preview_words, draft.lang),
                   below_minutes=reading_minutes(rendered.locked_words, draft.lang))

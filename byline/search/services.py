"""Keeping the search index in step with articles."""

from __future__ import annotations

from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.db.models import Value

from byline.articles.models import Article
from byline.articles.text import html_to_text
from byline.search.models import SearchDocument
from byline.search.terms import joined, terms_of


def document_terms(*, title: str, names: list[str], preview_text: str, locked_html: str) -> dict[str, str]:
    """The three term texts of one article's search document: its title, its public text (title,
    topic and author `names`, preview) and its full text (public plus the locked part)."""
    public = terms_of(" ".join([title, *names, preview_text]))
    full = public + terms_of(html_to_text(locked_html))
    return {"title_terms": joined(terms_of(title)), "public_terms": joined(public), "full_terms": joined(full)}


def index_article(*, article: Article) -> SearchDocument:
    """Write the article's two searchable texts: public (title, topic, author, preview) and
    full (public plus the locked part). Safe to call as often as an article is saved."""
    locked_html = Article.objects.filter(pk=article.pk).values_list("locked_html", flat=True).first() or ""
    topic, author = article.topic, article.author
    terms = document_terms(
        title=article.title, names=[topic.name_en, topic.name_zh, author.display_name, author.display_name_zh],
        preview_text=article.preview_text, locked_html=locked_html)
    document, _ = SearchDocument.objects.update_or_create(
        article_id=article.pk, defaults={**terms, "indexed_version": article.version})
    if connection.vendor == "postgresql":
        SearchDocument.objects.filter(pk=document.pk).update(
            public_vector=SearchVector(Value(document.public_terms), config="simple"),
            full_vector=SearchVector(Value(document.full_terms), config="simple"),
        )
    return document


def index_articles(*, articles) -> int:
    """Reindex many articles (a topic or author renamed, or a full rebuild); returns how many."""
    count = 0
    for article in articles.select_related("author", "topic").defer("body_markdown", "locked_html").iterator():
        index_article(article=article)
        count += 1
    return count

"""The search index: one document per article, holding two texts.

`public_terms` is what anyone may search (title, topic, author, preview); `full_terms` adds the
locked part and is searched only for articles the reader may read (see search.selectors). The
engine-specific indexes live beside this table: FTS5 tables kept by triggers on SQLite, and
tsvector columns with GIN indexes on PostgreSQL (see the migrations).
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models

from byline.articles.models import Article


class SearchDocument(models.Model):
    article = models.OneToOneField(Article, on_delete=models.CASCADE, primary_key=True, related_name="search_document")
    title_terms = models.TextField(default="")
    public_terms = models.TextField(default="")
    full_terms = models.TextField(default="")
    # Filled on PostgreSQL only (to_tsvector('simple', ...) over the terms above); NULL on SQLite.
    public_vector = SearchVectorField(null=True, editable=False)
    full_vector = SearchVectorField(null=True, editable=False)
    indexed_version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "search document"

    def __str__(self) -> str:
        return f"search document for article {self.article_id}"

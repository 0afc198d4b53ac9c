"""Index every article again with stemmed terms (search.terms), after articles were rendered again.

Queries are stemmed ("teas" looks for tea), so documents indexed before stemming must be
rewritten or they would stop matching their own inflected words.
"""

from django.contrib.postgres.search import SearchVector
from django.db import migrations
from django.db.models import Value

from byline.search.services import document_terms


def reindex(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    SearchDocument = apps.get_model("search", "SearchDocument")
    postgres = schema_editor.connection.vendor == "postgresql"
    for article in Article.objects.select_related("topic", "author").order_by("pk").iterator(chunk_size=200):
        topic, author = article.topic, article.author
        terms = document_terms(
            title=article.title, names=[topic.name_en, topic.name_zh, author.display_name, author.display_name_zh],
            preview_text=article.preview_text, locked_html=article.locked_html)
        SearchDocument.objects.update_or_create(
            article_id=article.pk, defaults={**terms, "indexed_version": article.version})
        if postgres:
            SearchDocument.objects.filter(pk=article.pk).update(
                public_vector=SearchVector(Value(terms["public_terms"]), config="simple"),
                full_vector=SearchVector(Value(terms["full_terms"]), config="simple"))


class Migration(migrations.Migration):
    dependencies = [("search", "0002_engine_indexes"), ("articles", "0002_normalise_and_rerender")]

    operations = [migrations.RunPython(reindex, migrations.RunPython.noop)]

"""Normalise every stored article's text and render its halves again.

Articles written in the admin before text was normalised where it enters kept CRLF line endings,
so their paywall divider was not found and their whole text was public; excerpts also had a
space before punctuation that followed inline formatting. Rendering again with today's
`render_body` fixes both; an article whose rendered halves change gets a new version, so no
cached page of the old rendering is served again.
"""

from django.db import migrations

from byline.articles.text import render_body
from byline.core.text_input import normalise_text

RENDERED = ("preview_html", "locked_html", "preview_text", "preview_words", "locked_words", "has_divider")


def rerender(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    for article in Article.objects.order_by("pk").iterator(chunk_size=200):
        # A NUL cannot be in a stored row on PostgreSQL; on SQLite it becomes U+FFFD as Markdown reads it.
        article.title = normalise_text(article.title.replace("\x00", "\ufffd"))
        article.body_markdown = normalise_text(article.body_markdown.replace("\x00", "\ufffd"))
        rendered = render_body(article.body_markdown, priced=article.visibility != "free")
        shown_before = (article.preview_html, article.locked_html)
        for name in RENDERED:
            setattr(article, name, getattr(rendered, name))
        if (article.preview_html, article.locked_html) != shown_before:
            article.version += 1
        article.save(update_fields=["title", "body_markdown", "version", *RENDERED])


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = [migrations.RunPython(rerender, migrations.RunPython.noop)]

"""The engine-specific half of the search index.

SQLite: two FTS5 tables (public and full terms, rowid = article id) kept in step with
search_searchdocument by triggers. PostgreSQL: GIN indexes over the two tsvector columns.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE search_public_fts USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0')""",
    """CREATE VIRTUAL TABLE search_full_fts USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0')""",
    """CREATE TRIGGER search_document_ai AFTER INSERT ON search_searchdocument BEGIN
        INSERT INTO search_public_fts(rowid, terms) VALUES (new.article_id, new.public_terms);
        INSERT INTO search_full_fts(rowid, terms) VALUES (new.article_id, new.full_terms);
    END""",
    """CREATE TRIGGER search_document_au AFTER UPDATE ON search_searchdocument BEGIN
        DELETE FROM search_public_fts WHERE rowid = old.article_id;
        DELETE FROM search_full_fts WHERE rowid = old.article_id;
        INSERT INTO search_public_fts(rowid, terms) VALUES (new.article_id, new.public_terms);
        INSERT INTO search_full_fts(rowid, terms) VALUES (new.article_id, new.full_terms);
    END""",
    """CREATE TRIGGER search_document_ad AFTER DELETE ON search_searchdocument BEGIN
        DELETE FROM search_public_fts WHERE rowid = old.article_id;
        DELETE FROM search_full_fts WHERE rowid = old.article_id;
    END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_document_ad",
    "DROP TRIGGER IF EXISTS search_document_au",
    "DROP TRIGGER IF EXISTS search_document_ai",
    "DROP TABLE IF EXISTS search_full_fts",
    "DROP TABLE IF EXISTS search_public_fts",
]
POSTGRES_FORWARD = [
    "CREATE INDEX search_public_vector_gin ON search_searchdocument USING gin (public_vector)",
    "CREATE INDEX search_full_vector_gin ON search_searchdocument USING gin (full_vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_full_vector_gin",
    "DROP INDEX IF EXISTS search_public_vector_gin",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]

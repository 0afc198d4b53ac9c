"""A cursor whose queries PostgreSQL parses and plans once per connection: for the few hot, fixed-shape
queries (the article page's entitlement query), where planning costs several times the execution.

Django binds parameters on the client (psycopg's ClientCursor), which can never use a prepared statement,
and turns psycopg's automatic preparing off (`prepare_threshold=None`), because a pooler in transaction
mode (PgBouncer before 1.21) cannot keep them. Settings turn preparing back on, with a threshold no
query reaches by itself, unless DB_PREPARED_STATEMENTS=0; this cursor binds on the server and asks for
`prepare=True`, so only the queries that go through it are ever prepared. Anywhere else (SQLite, or
preparing turned off) it is Django's plain cursor.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django.db.backends.base.base import BaseDatabaseWrapper

try:
    import psycopg

    class _PreparingCursor(psycopg.Cursor):
        logged = False  # whether Django's query log (tests, DEBUG) reads this cursor's statements

        def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None):
            super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)
            if self.logged:
                # psycopg keeps no text of a prepared statement's run; Django's log reads `_query.query`.
                self._query = _Text(psycopg.ClientCursor(self.connection).mogrify(query, params).encode())
            return self

    class _Text(NamedTuple):
        query: bytes
except ImportError:  # pragma: no cover - psycopg is a dependency; SQLite-only installs still import this
    psycopg = None


def cursor(connection: BaseDatabaseWrapper):
    """A cursor on `connection` (use it as a context manager) whose statements are prepared where that works."""
    if psycopg is None or connection.vendor != "postgresql" or not _preparing_on(connection):
        return connection.cursor()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    # Django's own wrapper around it: the same error translation (OperationalError for a lost server,
    # which ops/unavailable.py answers with a 503) and the same query log in tests.
    raw = _PreparingCursor(connection.connection)
    if connection.queries_logged:
        raw.logged = True
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


def _preparing_on(connection: BaseDatabaseWrapper) -> bool:
    return connection.settings_dict.get("OPTIONS", {}).get("prepare_threshold") is not None

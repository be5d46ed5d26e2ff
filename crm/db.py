"""Cursors for the statements that (nearly) every request sends (docs/performance.md).

Inside ``with fast_cursors(alias, prepare=...):`` the cursors of a PostgreSQL connection differ
from Django's in two ways, neither visible in what they return:

* **Prepared statements** (``prepare=True``). Django sends every statement as text with its
  values inlined (psycopg's client-side binding), so PostgreSQL parses and plans it anew each
  time: planning is two thirds of the token lookup that every API request makes (0.7 ms) and half
  of a list's page statement. Here the values are bound on the server and each statement is
  prepared once per connection; PostgreSQL plans again only when it chooses to (a generic plan
  after five custom ones, when it costs no more). What belongs here: statements whose text is
  the same from request to request and whose plan does not depend on the values (the token
  lookup, a list's page without filters, the many-to-many ids of a page). Not a filtered page:
  a generic plan chosen for one filter value may be a poor one for another. psycopg keeps up to
  100 prepared statements per connection and drops the least used.
* **Datetimes loaded in C.** Django reads ``timestamptz`` with a Python subclass of psycopg's
  loader (5 µs a value, a millisecond for a page of 100 rows with two datetimes each); these
  cursors use psycopg's own loader, which psycopg's binary package implements in C (0.5 µs). Both
  give the same aware datetime: Django sets the session's time zone to the connection's (UTC)
  when it connects, and psycopg's loader reads it from the session.

``DB_PREPARED_STATEMENTS=false`` (the connection's ``prepare_threshold`` None) turns preparing
off, for a transaction-mode pooler that cannot keep a statement on one server connection
(PgBouncer before 1.21). Statements are still Django's: counted, logged and wrapped as any other.
"""

from contextlib import contextmanager
from functools import cache

from django.db import connections


@cache
def _cursor_classes():
    from django.db.backends.postgresql.base import Cursor, ServerBindingCursor
    from psycopg.types.datetime import TimestamptzLoader

    class CLoads:
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # Registered by psycopg's Python name, psycopg substitutes its C implementation.
            self.adapters.register_loader("timestamptz", TimestamptzLoader)

    class ReadingCursor(CLoads, Cursor):
        """Django's cursor (client-side binding), datetimes loaded in C."""

    class PreparedCursor(CLoads, ServerBindingCursor):
        """psycopg's server-side binding cursor that asks for every statement to be prepared
        (psycopg prepares nothing when the connection's ``prepare_threshold`` is None)."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            result = super().execute(query, params, prepare=True, binary=binary)
            # psycopg keeps the text of a statement only when it sends it unprepared; Django's
            # query log (DEBUG, the tests' CaptureQueriesContext) reads it from ``_query``.
            self._query = _LoggedStatement(self.connection, query, params)
            return result

    return ReadingCursor, PreparedCursor


class _LoggedStatement:
    """A prepared statement as Django's query log reads it: the text with its values inlined,
    composed only when read (never in production, where nothing is logged)."""

    def __init__(self, connection, sql, params):
        self.connection, self.sql, self.params = connection, sql, params

    @property
    def query(self) -> bytes:
        from psycopg import ClientCursor

        return ClientCursor(self.connection).mogrify(self.sql, self.params).encode()


@contextmanager
def fast_cursors(alias: str = "default", prepare: bool = True):
    """Within the block, the cursors of ``alias`` are those of the module's docstring (PostgreSQL)."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    previous = raw.cursor_factory
    reading, prepared = _cursor_classes()
    raw.cursor_factory = prepared if prepare else reading
    try:
        yield
    finally:
        raw.cursor_factory = previous

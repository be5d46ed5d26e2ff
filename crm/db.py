"""Cursors for the statements that (nearly) every request sends (docs/performance.md).

Inside ``with fast_cursors(alias, prepare=...):`` the cursors of a PostgreSQL connection differ
from Django's in two ways, neither visible in what they return:

* **Prepared statements.** Django sends every statement as text with its values inlined
  (psycopg's client-side binding), so PostgreSQL parses and plans it anew each time: planning is
  two thirds of the token lookup that every API request makes (0.7 ms) and half of a list's page
  statement. Here the values are bound on the server and the statement is prepared once per
  connection: at once (``prepare=True``: the token lookup, the many-to-many ids of a page, whose
  text never changes) or after its fifth run on the connection (``prepare=None``: a list's
  page, whose text changes with the page number and size, so that a page asked for once costs no
  extra round trip to prepare). ``prepare=False`` binds on the client, as Django does.
  Only statements without values that steer the plan belong here: PostgreSQL switches a prepared
  statement to a generic plan after five runs when it looks no dearer, and a plan good for one
  filter value (or one user) can be poor for another. (A page read from a link's position has
  values, but they only say where on the ordering's index the page starts: one plan fits all.)
  psycopg keeps up to 100 prepared statements per connection and drops the least recently used.
* **Datetimes loaded in C.** Django reads ``timestamptz`` with a Python subclass of psycopg's
  loader (5 µs a value, a millisecond for a page of 100 rows with two datetimes each); these
  cursors use psycopg's own loader, which psycopg's binary package implements in C (0.5 µs). Both
  give the same aware datetime: Django sets the session's time zone to the connection's (UTC)
  when it connects, and psycopg's loader reads it from the session.

Outside the blocks nothing changes: the connection's ``prepare_threshold`` is None (Django's
default: psycopg neither prepares nor counts statements) and is set only within a block.
``DB_PREPARED_STATEMENTS=false`` prepares nothing, for a transaction-mode pooler that cannot keep
prepared statements (PgBouncer before 1.22). Statements are still Django's: counted, logged and
wrapped as any other.
"""

from contextlib import contextmanager
from functools import cache

from django.conf import settings
from django.db import connections

# psycopg's default: a statement is prepared at its fifth run on a connection (prepare=None).
PREPARE_AFTER = 5


@cache
def _cursor_class(prepare: bool | None):
    import psycopg
    from django.db.backends.postgresql.base import Cursor, ServerBindingCursor
    from psycopg.types.datetime import TimestamptzLoader

    class CLoads:
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # Registered by psycopg's Python name, psycopg substitutes its C implementation.
            self.adapters.register_loader("timestamptz", TimestamptzLoader)

    if prepare is False:

        class ReadingCursor(CLoads, Cursor):
            """Django's cursor (client-side binding), datetimes loaded in C."""

        return ReadingCursor

    class PreparingCursor(CLoads, ServerBindingCursor):
        """psycopg's server-side binding cursor, preparing at once (True) or at the threshold (None)."""

        crm_prepare = prepare

        def execute(self, query, params=None, *, prepare=None, binary=None):
            try:
                result = super().execute(query, params, prepare=self.crm_prepare, binary=binary)
            except psycopg.errors.FeatureNotSupported:
                # "cached plan must not change result type": a migration changed a column's type
                # since the statement was prepared. Outside a transaction, forget every prepared
                # statement (psycopg clears its own cache when it sees DEALLOCATE ALL) and retry
                # once; inside one, the transaction is aborted and the error stands.
                if self.connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    raise
                super().execute("DEALLOCATE ALL", prepare=False)
                result = super().execute(query, params, prepare=self.crm_prepare, binary=binary)
            # psycopg keeps the text of a statement only when it sends it unprepared; Django's
            # query log (DEBUG, the tests' CaptureQueriesContext) reads it from ``_query``.
            self._query = _LoggedStatement(self.connection, query, params)
            return result

    return PreparingCursor


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
def fast_cursors(alias: str = "default", prepare: bool | None = True):
    """Within the block, the cursors of ``alias`` are those of the module's docstring (PostgreSQL)."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        yield
        return
    if not settings.DB_PREPARED_STATEMENTS:
        prepare = False
    connection.ensure_connection()
    raw = connection.connection
    factory, threshold = raw.cursor_factory, raw.prepare_threshold
    raw.cursor_factory = _cursor_class(prepare)
    if prepare is not False:
        raw.prepare_threshold = PREPARE_AFTER
    try:
        yield
    finally:
        raw.cursor_factory, raw.prepare_threshold = factory, threshold


class CompiledStatement:
    """A queryset's SQL, parameters and value converters, compiled once to be executed many times
    (the token lookup, a list's page: crm/api/authentication.py, crm/api/pagination.py).

    ``sentinels``: values the queryset was built with in place of ones that change from run to
    run; :attr:`slots` says which parameter holds which, and :meth:`bound` puts the run's values
    (as the database takes them) there.
    """

    def __init__(self, queryset, sentinels=()):
        compiler = queryset.query.get_compiler(queryset.db)
        sql, params = compiler.as_sql()  # EmptyResultSet: not a statement (the caller reads it)
        self.sql, self.params = sql, tuple(params)
        selected = [column[0] for column in compiler.select[: compiler.col_count]]
        self.converters = list(compiler.get_converters(selected).items())
        self.slots = [
            (index, which)
            for index, param in enumerate(self.params)
            for which, sentinel in enumerate(sentinels)
            if type(param) is type(sentinel) and param == sentinel
        ]

    def bound(self, values) -> tuple:
        """The parameters, with ``values`` (one per sentinel) in their slots."""
        params = list(self.params)
        for index, which in self.slots:
            params[index] = values[which]
        return tuple(params)

    def execute(self, connection, params) -> list[tuple]:
        """The rows, with the database's values converted as the ORM would (SQLite's datetimes)."""
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if not self.converters:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in self.converters:
                value = row[position]
                for convert in functions:
                    value = convert(value, expression, connection)
                row[position] = value
            converted.append(tuple(row))
        return converted

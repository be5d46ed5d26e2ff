"""Page-number pagination that costs the same on page 1 and page 1000 (docs/performance.md).

A list is read in ONE query (a *deferred join*):

* the page's ids: the filtered, ordered rows' primary keys only, ``LIMIT size + 1 OFFSET n``,
  which the index on the list's ordering answers without reading the rows it skips (index-only);
* the rows with these ids, with everything the list shows (select_related, annotations);
* the total ``count``, as a scalar subquery evaluated once (see :func:`count_expression`).

What ``count`` means: the exact number of matching rows up to :data:`EXACT_COUNT_LIMIT`; above
it, on PostgreSQL, the planner's estimate (``pg_class.reltuples`` for an unfiltered list,
``EXPLAIN`` of the filtered one), never less than the rows known to exist. ``next`` does not rely
on the count: one row beyond the page is read, so the links are exact whatever the count says.
"""

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import BigIntegerField, Value
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

# Up to this many matching rows, ``count`` is exact; above, it is an estimate (PostgreSQL only).
EXACT_COUNT_LIMIT = 10_000


def count_expression(queryset) -> RawSQL | Value:
    """The number of rows of ``queryset``, exact or estimated (see the module's docstring), as SQL."""
    connection = connections[queryset.db]
    postgresql = connection.vendor == "postgresql"
    if postgresql and not queryset.query.where and not queryset.query.distinct and not queryset.query.combinator:
        # Unfiltered: the table's own statistics, unless it is small (or never analysed).
        table = connection.ops.quote_name(queryset.model._meta.db_table)
        return RawSQL(
            "SELECT CASE WHEN c.reltuples > %s THEN c.reltuples::bigint "
            f"ELSE (SELECT COUNT(*) FROM {table}) END FROM pg_class c WHERE c.oid = %s::regclass",
            [EXACT_COUNT_LIMIT, table],
            output_field=BigIntegerField(),
        )
    inner = queryset.order_by().values("pk")
    if inner.query.distinct:
        inner = inner.distinct()
    try:
        full_sql, full_params = inner.query.sql_with_params()
    except EmptyResultSet:  # a filter nothing can match (an id beyond any integer)
        return Value(0, output_field=BigIntegerField())
    if not postgresql:
        return RawSQL(f"SELECT COUNT(*) FROM ({full_sql}) counted", full_params, output_field=BigIntegerField())
    connection.ensure_connection()
    estimate_of = connection.ops.compose_sql(full_sql, full_params)
    # The EXPLAIN runs only when the capped count overflows (CASE evaluates lazily). The capped
    # query is the full one with a LIMIT (it has no ordering or limit of its own): no second compile.
    return RawSQL(
        f"SELECT CASE WHEN capped.n > %s THEN GREATEST(capped.n, crm_count_estimate(%s)) ELSE capped.n END "
        f"FROM (SELECT COUNT(*) AS n FROM ({full_sql} LIMIT {EXACT_COUNT_LIMIT + 1}) limited) capped",
        [EXACT_COUNT_LIMIT, estimate_of, *full_params],
        output_field=BigIntegerField(),
    )


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=`` and ``?page_size=`` (default 50, capped at 200, never an error).

    One query per page: the ids of the page (with ``OFFSET`` on the ordering's index), the rows
    with these ids and the total count together. Only ``?page=last`` asks for the count first.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    invalid_page_message = _("页码无效。 Invalid page.")
    # Rows read beyond the page, in the same query, for views that need the next one (history diffs).
    lookahead = 0

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        try:
            size = int(raw) if raw is not None else self.page_size
        except (TypeError, ValueError):
            return self.page_size
        return max(1, min(size, self.max_page_size))

    def start(self, request, count) -> int:
        """Read ``?page=`` and ``?page_size=``; the offset of the page. ``count()`` is asked only
        for ``?page=last``. A page number that is not one is a 404."""
        self.request = request
        self.page_size_now = self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param, "1")
        if raw in self.last_page_strings:
            self.page_number = max(1, -(-count() // self.page_size_now))
        else:
            try:
                self.page_number = int(raw)
            except (TypeError, ValueError):
                raise NotFound(self.invalid_page_message) from None
            if self.page_number < 1 or self.page_number > 10**9:
                raise NotFound(self.invalid_page_message)
        return (self.page_number - 1) * self.page_size_now

    def paginate_queryset(self, queryset, request, view=None, shape=None, statement_key=None):
        """The page's rows: instances of ``queryset``, or what ``shape(queryset)`` yields (the
        tuples of a ``values_list``, crm/api/rows.py), each carrying the total count.

        ``statement_key``: with a shape, a key that determines the page's statement apart from
        its offset and size (see :class:`PageStatement`); its compiled statement is then kept."""
        offset = self.start(request, queryset.count)
        wanted = self.page_size_now + max(self.lookahead, 1)
        if statement_key is not None and shape is not None:
            rows = PageStatement.rows(
                (*statement_key, offset, wanted, EXACT_COUNT_LIMIT),
                lambda: self.page_rows(queryset, offset, wanted, shape),
                queryset.db,
            )
        else:
            rows = list(self.page_rows(queryset, offset, wanted, shape))
        rows, beyond = rows[: self.page_size_now], rows[self.page_size_now :]
        self.beyond = beyond[: self.lookahead]
        self.more = bool(beyond)
        if not rows:
            if self.page_number > 1:
                raise NotFound(self.invalid_page_message)
            self.count = 0
            return rows
        known = offset + len(rows)
        # Exact when the page is the last one; otherwise the counted or estimated total.
        self.count = max(self.total_of(rows[0]), known + 1) if self.more else known
        return rows

    @staticmethod
    def total_of(row) -> int:
        """The counted or estimated total a row of the page carries: the last value of a tuple
        (a ``values_list`` page, crm/api/rows.py), the ``_total_count`` of an instance."""
        return row[-1] if isinstance(row, tuple) else row._total_count

    def page_rows(self, queryset, offset, limit, shape=None):
        shaped = shape(queryset) if shape is not None else queryset
        counted = shaped.annotate(_total_count=count_expression(queryset))
        if queryset.query.distinct or queryset.query.combinator:
            return counted[offset : offset + limit]
        # The ids from the list's own query, not the shaped one: a values_list's joins (the names
        # it shows) would otherwise be made for every skipped row too. Compiled on its own and
        # given as SQL: the subquery refers to nothing outside it, and the ORM would otherwise
        # copy and relabel the whole query to nest it.
        ids = queryset.values("pk")[offset : offset + limit]
        try:
            ids_sql, ids_params = ids.query.get_compiler(queryset.db).as_sql()
        except EmptyResultSet:  # a filter nothing can match
            return counted.none()
        return counted.filter(pk__in=RawSQL(ids_sql, ids_params))

    def has_next(self):
        return self.more

    def get_next_link(self):
        if not self.has_next():
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, self.page_number + 1)

    def get_previous_link(self):
        if self.page_number <= 1:
            return None
        url = self.request.build_absolute_uri()
        if self.page_number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.page_number - 1)

    def get_paginated_response(self, data):
        return Response(
            {"count": self.count, "next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )


class PageStatement:
    """The compiled statement of a page (a ``values_list`` queryset), kept by a key.

    Building and compiling a list's page costs the ORM about a millisecond: a third of a plain
    list request. A *plain* page (crm/api/rows.py: no filter, no search, nothing hidden from the
    user) has the same statement on every request for the same view, ordering, page and size;
    its key says so, and its SQL, parameters and value converters are kept and only executed.

    The key is a promise about ``get_queryset``: for a user who sees everything, it puts no value
    of the request (the user, the time, the language) into the statement. With
    ``CHECK_CACHED_STATEMENTS`` (on in the tests) every kept statement is compiled again on use and
    compared, so a view that breaks the promise fails its tests.
    """

    # Kept per process; a page number per key. Past this many, all are dropped and compiled anew.
    LIMIT = 512
    _kept: dict = {}

    def __init__(self, queryset):
        compiler = queryset.query.get_compiler(queryset.db)
        sql, params = compiler.as_sql()  # EmptyResultSet: not a statement (the caller reads it)
        self.sql, self.params = sql, tuple(params)
        selected = [column[0] for column in compiler.select[: compiler.col_count]]
        self.converters = list(compiler.get_converters(selected).items())

    def __eq__(self, other):
        return isinstance(other, PageStatement) and (self.sql, self.params) == (other.sql, other.params)

    __hash__ = None

    @classmethod
    def rows(cls, key, build, alias) -> list[tuple]:
        """The rows of the statement kept for ``key``, or of ``build()``'s queryset (then kept)."""
        kept = cls._kept.get(key)
        if kept is None or settings.CHECK_CACHED_STATEMENTS:
            queryset = build()
            try:
                fresh = cls(queryset)
            except EmptyResultSet:
                return list(queryset)
            if kept is not None and kept != fresh:
                raise AssertionError(f"A kept page statement differs from its query's: {key!r}")
            if len(cls._kept) >= cls.LIMIT:
                cls._kept.clear()
            cls._kept[key] = kept = fresh
        return kept.execute(connections[alias])

    def execute(self, connection) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
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

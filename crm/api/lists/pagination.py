"""Page numbers that cost the same on page 1 and page 1000 (docs/performance.md).

A page is ONE statement (a *deferred join*):

* the page's ids: the filtered, ordered rows' primary keys only, ``LIMIT size + 1 OFFSET n``,
  which the index on the list's ordering answers without reading the rows it skips; or, on a
  page reached by a link, the ids after (before) the link's position (crm/api/lists/positions.py);
* the rows with these ids, with everything the list shows (the shape's columns);
* the total ``count``, as a scalar subquery evaluated once (:func:`count_expression`).

What ``count`` means: the exact number of matching rows up to :data:`EXACT_COUNT_LIMIT`; above
it, on PostgreSQL, the planner's estimate (``pg_class.reltuples`` for an unfiltered list,
``EXPLAIN`` of the filtered one), never less than the rows known to exist. ``next`` does not rely
on the count: one row beyond the page is read, so the links are exact whatever the count says.
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import BigIntegerField, Value
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from .positions import AFTER, BEFORE, Keyset
from .shapes import sql_of

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
    # The EXPLAIN runs only when the capped count overflows (CASE evaluates lazily).
    return RawSQL(
        f"SELECT CASE WHEN capped.n > %s THEN GREATEST(capped.n, crm_count_estimate(%s)) ELSE capped.n END "
        f"FROM (SELECT COUNT(*) AS n FROM ({full_sql} LIMIT {EXACT_COUNT_LIMIT + 1}) limited) capped",
        [EXACT_COUNT_LIMIT, estimate_of, *full_params],
        output_field=BigIntegerField(),
    )


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=`` (or ``last``) and ``?page_size=`` (default 50, capped at 200, never an error);
    the ``next`` and ``previous`` links of a shaped list carry positions (``after``, ``before``)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    invalid_page_message = _("页码无效。 Invalid page.")
    # Rows read beyond the page, in the same statement, for views that need the next one (history diffs).
    lookahead = 0
    keyset: Keyset | None = None
    rows: list | tuple = ()

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        try:
            size = int(raw) if raw is not None else self.page_size
        except (TypeError, ValueError):
            return self.page_size
        return max(1, min(size, self.max_page_size))

    def paginate_queryset(self, queryset, request, view=None, shape=None):
        """The page's rows, each carrying the total count: instances of ``queryset``, or with a
        ``shape`` (crm/api/lists/shapes.py) its tuples: the shape's values, the position's, the count."""
        self.request = request
        self.page_size_now = self.get_page_size(request)
        self.page_number = self.number(request, queryset.count)
        offset = (self.page_number - 1) * self.page_size_now
        self.keyset = Keyset.of(queryset) if shape is not None and not self.lookahead else None

        def page(ids):
            """The rows with the ids the SQL ``ids`` selects (one statement with the count)."""
            count = count_expression(queryset)
            if shape is None:
                return queryset.annotate(_total_count=count).filter(pk__in=RawSQL(*ids))
            positions = self.keyset.columns if self.keyset is not None else {}
            return shape.rows(ids, ordering_of(queryset), **positions, _total_count=count)

        # A position places pages 2 and on; page 1 and ``?page=last`` are where they are.
        numbered = request.query_params.get(self.page_query_param) not in self.last_page_strings
        if self.keyset is not None and numbered and self.page_number > 1:
            position = self.keyset.read(request)
            if position is not None:
                return self.page_at(queryset, page, offset, *position)
        wanted = self.page_size_now + max(self.lookahead, 1)
        # The ids from the list's own query, by OFFSET on the index of its ordering: the joins
        # that name references are made for the page's rows only, not for every skipped row.
        ids = sql_of(queryset.values("pk")[offset : offset + wanted])
        rows = list(page(ids)) if ids is not None else []
        rows, beyond = rows[: self.page_size_now], rows[self.page_size_now :]
        self.beyond, self.more = beyond[: self.lookahead], bool(beyond)
        if not rows:
            if self.page_number > 1:
                raise NotFound(self.invalid_page_message)
            self.count, self.rows = 0, rows
            return rows
        known = offset + len(rows)
        # Exact when the page is the last one; otherwise the counted or estimated total.
        self.count = max(total_of(rows[0]), known + 1) if self.more else known
        self.rows = rows
        return rows

    def number(self, request, count) -> int:
        """The page number of ``?page=``; ``count()`` is asked only for ``last``. Not a number: 404."""
        raw = request.query_params.get(self.page_query_param, "1")
        if raw in self.last_page_strings:
            return max(1, -(-count() // self.page_size_now))
        try:
            number = int(raw)
        except (TypeError, ValueError):
            raise NotFound(self.invalid_page_message) from None
        if number < 1 or number > 10**9:
            raise NotFound(self.invalid_page_message)
        return number

    def page_at(self, queryset, page, offset, values, backwards):
        """The page right after (``backwards``: before) the position ``values``, read from there
        on the ordering's index instead of skipping ``offset`` rows. The page number is the
        client's, for the links."""
        size = self.page_size_now
        wanted = size if backwards else size + 1
        ids = self.keyset.ids(queryset, values, backwards, wanted)
        rows = [] if ids is None else list(page(ids).reverse()[:wanted] if backwards else page(ids)[:wanted])
        if backwards:
            rows.reverse()
        rows, beyond = rows[:size], rows[size:]
        self.beyond, self.more = [], backwards or bool(beyond)
        if not rows:
            raise NotFound(self.invalid_page_message)
        # The page number says nothing certain about the rows before a position (rows may have
        # come and gone since the link was made): the count is the counted one when exact.
        total = total_of(rows[0])
        self.count = total if total <= EXACT_COUNT_LIMIT else max(total, offset + len(rows) + int(self.more))
        self.rows = rows
        return rows

    def position(self, at: int) -> str | None:
        """The position of the page's row ``at`` (its values before the count), or None."""
        if self.keyset is None or not self.rows:
            return None
        return self.keyset.position(self.rows[at][-1 - len(self.keyset.columns) : -1])

    def get_next_link(self):
        if not self.more:
            return None
        url = replace_query_param(self._unpositioned_url(), self.page_query_param, self.page_number + 1)
        position = self.position(-1)
        return url if position is None else replace_query_param(url, AFTER, position)

    def get_previous_link(self):
        if self.page_number <= 1:
            return None
        url = self._unpositioned_url()
        if self.page_number == 2:
            return remove_query_param(url, self.page_query_param)
        url = replace_query_param(url, self.page_query_param, self.page_number - 1)
        position = self.position(0)
        return url if position is None else replace_query_param(url, BEFORE, position)

    def _unpositioned_url(self):
        """This request's URL without the position it was read from (the links set their own)."""
        url = self.request.build_absolute_uri()
        for name in (AFTER, BEFORE):
            if name in self.request.query_params:
                url = remove_query_param(url, name)
        return url

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        if getattr(view, "shape", None) is None or getattr(view, "action", None) != "list":
            return parameters
        described = {
            AFTER: _(
                "下一页链接中的位置（不透明文本）：从该行之后读取。 The position in a `next` link (opaque): read the page from after that row."
            ),
            BEFORE: _(
                "上一页链接中的位置（不透明文本）：读取该行之前的一页。 The position in a `previous` link (opaque): read the page before that row."
            ),
        }
        return [
            *parameters,
            *(
                {"name": name, "required": False, "in": "query", "description": str(text), "schema": {"type": "string"}}
                for name, text in described.items()
            ),
        ]

    def get_paginated_response(self, data):
        return Response(
            {"count": self.count, "next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )


def ordering_of(queryset) -> tuple:
    """The ordering of ``queryset`` as ``order_by`` terms: its own, or its model's default, and
    reversed if the queryset was (``reverse()``)."""
    query = queryset.query
    terms = tuple(query.order_by) or (tuple(queryset.model._meta.ordering) if query.default_ordering else ())
    if query.standard_ordering:
        return terms
    return tuple(term[1:] if term.startswith("-") else f"-{term}" for term in terms)


def total_of(row) -> int:
    """The counted or estimated total a row of the page carries: the last value of a shaped
    row, the ``_total_count`` of an instance."""
    return row[-1] if isinstance(row, tuple) else row._total_count

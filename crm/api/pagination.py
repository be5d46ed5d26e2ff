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

import base64
import binascii
import datetime as dt
import json
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connections, models
from django.db.models import BigIntegerField, Q, Value
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from ..db import CompiledStatement

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
    # The list's positions for the links (Keyset), when paginate_queryset is given one; the page's rows.
    keyset = None
    rows: list = []

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

    def paginate_queryset(self, queryset, request, view=None, shape=None, statement_key=None, keyset=None):
        """The page's rows: instances of ``queryset``, or what ``shape(queryset)`` yields (the
        tuples of a ``values_list``, crm/api/rows.py), each carrying the total count.

        ``statement_key``: a key that determines the page's statement apart from its offset and
        size (see :class:`PageStatement`; given with a shape); its compiled statement is then kept.
        ``keyset``: the list's :class:`Keyset`, for the links' positions (``?after=``, ``?before=``)."""
        offset = self.start(request, queryset.count)
        self.keyset = keyset if self.lookahead == 0 else None
        # A position places pages 2 and on; page 1 and ``?page=last`` are where they are.
        numbered = request.query_params.get(self.page_query_param) not in self.last_page_strings
        position = self.keyset.read(request) if self.keyset is not None and numbered and self.page_number > 1 else None
        if position is not None:
            return self.page_at(queryset, offset, shape, *position, statement_key=statement_key)
        wanted = self.page_size_now + max(self.lookahead, 1)
        key = (*statement_key, offset, wanted, EXACT_COUNT_LIMIT) if statement_key is not None else None
        rows = PageStatement.rows(key, lambda: self.page_rows(queryset, offset, wanted, shape), queryset.db)
        rows, beyond = rows[: self.page_size_now], rows[self.page_size_now :]
        self.beyond = beyond[: self.lookahead]
        self.more = bool(beyond)
        if not rows:
            if self.page_number > 1:
                raise NotFound(self.invalid_page_message)
            self.count, self.rows = 0, rows
            return rows
        return self.counted(rows, offset)

    def counted(self, rows, offset):
        known = offset + len(rows)
        # Exact when the page is the last one; otherwise the counted or estimated total.
        self.count = max(self.total_of(rows[0]), known + 1) if self.more else known
        self.rows = rows
        return rows

    def page_at(self, queryset, offset, shape, values, backwards, statement_key=None):
        """Page ``self.page_number`` as the rows right after (or, ``backwards``, right before) the
        position ``values`` (a :class:`Keyset`'s), read from there on the ordering's index instead
        of skipping ``offset`` rows. The page number is the client's, for the links. With a
        ``statement_key``, the statement is kept, the position's values as its parameters."""
        size = self.page_size_now
        wanted = size if backwards else size + 1

        def build(at):
            ids = self.keyset.ids(queryset, at, backwards, wanted)
            counted = self.counted_rows(queryset, shape)
            if ids is None:
                return counted.none()
            page = counted.filter(pk__in=RawSQL(*ids))
            return page.reverse()[:wanted] if backwards else page[:wanted]

        direction = Keyset.BEFORE if backwards else Keyset.AFTER
        key = (*statement_key, direction, wanted, EXACT_COUNT_LIMIT) if statement_key is not None else None
        rows = PageStatement.rows(key, build, queryset.db, position=(self.keyset, values))
        if backwards:
            rows = rows[::-1]
        rows, beyond = rows[:size], rows[size:]
        self.beyond, self.more = [], backwards or bool(beyond)
        if not rows:
            raise NotFound(self.invalid_page_message)
        # The page number says nothing certain about the rows before a position (rows may have
        # come and gone since the link was made): the count is the counted one when exact.
        total = self.total_of(rows[0])
        self.count = total if total <= EXACT_COUNT_LIMIT else max(total, offset + len(rows) + int(self.more))
        self.rows = rows
        return rows

    @staticmethod
    def total_of(row) -> int:
        """The counted or estimated total a row of the page carries: the last value of a tuple
        (a ``values_list`` page, crm/api/rows.py), the ``_total_count`` of an instance."""
        return row[-1] if isinstance(row, tuple) else row._total_count

    @staticmethod
    def counted_rows(queryset, shape=None):
        """What a page's rows are read from: ``queryset`` (or its ``shape``) with the total count."""
        shaped = shape(queryset) if shape is not None else queryset
        return shaped.annotate(_total_count=count_expression(queryset))

    def page_rows(self, queryset, offset, limit, shape=None):
        counted = self.counted_rows(queryset, shape)
        if queryset.query.distinct or queryset.query.combinator:
            return counted[offset : offset + limit]
        # The ids from the list's own query, not the shaped one: a values_list's joins (the names
        # it shows) would otherwise be made for every skipped row too. Compiled on its own and
        # given as SQL: the subquery refers to nothing outside it, and the ORM would otherwise
        # copy and relabel the whole query to nest it.
        ids = sql_of(queryset.values("pk")[offset : offset + limit])
        return counted.none() if ids is None else counted.filter(pk__in=RawSQL(*ids))

    def has_next(self):
        return self.more

    def get_next_link(self):
        if not self.has_next():
            return None
        url = self._unpositioned_url()
        url = replace_query_param(url, self.page_query_param, self.page_number + 1)
        position = self.keyset.position(self.rows[-1]) if self.keyset is not None else None
        return url if position is None else replace_query_param(url, Keyset.AFTER, position)

    def get_previous_link(self):
        if self.page_number <= 1:
            return None
        url = self._unpositioned_url()
        if self.page_number == 2:
            return remove_query_param(url, self.page_query_param)
        url = replace_query_param(url, self.page_query_param, self.page_number - 1)
        position = self.keyset.position(self.rows[0]) if self.keyset is not None and self.rows else None
        return url if position is None else replace_query_param(url, Keyset.BEFORE, position)

    def _unpositioned_url(self):
        url = self.request.build_absolute_uri()
        if self.keyset is not None:
            url = remove_query_param(remove_query_param(url, Keyset.AFTER), Keyset.BEFORE)
        return url

    def get_schema_operation_parameters(self, view):
        if not getattr(view, "row_path", False):  # positions are read by the lists of crm/api/rows.py
            return super().get_schema_operation_parameters(view)
        described = {
            Keyset.AFTER: _(
                "下一页链接中的位置（不透明文本）：从该行之后读取。 The position in a `next` link (opaque): read the page from after that row."
            ),
            Keyset.BEFORE: _(
                "上一页链接中的位置（不透明文本）：读取该行之前的一页。 The position in a `previous` link (opaque): read the page before that row."
            ),
        }
        return [
            *super().get_schema_operation_parameters(view),
            *(
                {"name": name, "required": False, "in": "query", "description": str(text), "schema": {"type": "string"}}
                for name, text in described.items()
            ),
        ]

    def get_paginated_response(self, data):
        return Response(
            {"count": self.count, "next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )


class Keyset:
    """A position in a list: the values of its ordering at one row (``?after=``, ``?before=``).

    A page number is an offset: page 1000 of 50 rows skips 49,950 entries of the ordering's index
    (2–3 ms, the same again as the whole of page 1). The ``next`` link of a page therefore names,
    besides the page number, the position of the page's last row (``after``), and ``previous``
    that of its first (``before``): a client that follows the links reads each page from its
    position on the index, as cheap as page 1. The page number stays what the client displays and
    what the links count; a client that jumps to ``?page=N`` without a position still gets page N
    by its offset. Rows added or removed before the position since the link was made shift the
    page by as many rows (the page continues where the client was, instead of repeating or
    skipping rows).

    A list has positions when its ordering is one field of its own and the primary key, or the
    primary key alone, in one direction: every list's default but those of industries, users and
    targets (small tables, ordered without the id), and any ``?ordering=`` of a field of its own,
    to which the id is added (crm/api/filters.py). A position is the ordering's name and values in JSON,
    base64url-encoded; one made for another ordering is ignored (the page is read by its offset);
    one that is not a position is a 400 naming the parameter.
    """

    AFTER, BEFORE = "after", "before"

    def __init__(self, model, field, descending: bool, alias: str):
        self.model, self.field, self.descending, self.alias = model, field, descending, alias
        vendor = connections[alias].vendor
        self.pk = model._meta.pk
        self.name = ("-" if descending else "") + (field.name if field is not None else "pk")
        # Where NULLs sort: last in ascending order on PostgreSQL, first on SQLite (and MySQL).
        self.nulls_last = vendor == "postgresql"
        self.indexes = (None, 0)  # where the field and the primary key are in a tuple row

    @classmethod
    def of(cls, queryset) -> "Keyset | None":
        query, meta = queryset.query, queryset.model._meta
        if query.distinct or query.combinator or not query.standard_ordering:
            return None
        names = list(query.order_by) if query.order_by else list(meta.ordering if query.default_ordering else ())
        if not names or len(names) > 2 or not all(isinstance(name, str) for name in names):
            return None
        directions = {name.startswith("-") for name in names}
        terms = [name.lstrip("-") for name in names]
        if len(directions) != 1 or terms[-1] not in ("pk", meta.pk.name, meta.pk.attname):
            return None
        field = None
        if len(terms) == 2:
            try:
                field = meta.get_field(terms[0])
            except FieldDoesNotExist:
                return None
            if field.is_relation or not field.concrete or field.primary_key or not isinstance(field, cls.KINDS):
                return None
        return cls(queryset.model, field, directions.pop(), queryset.db)

    # The kinds of field a position can hold, each with the JSON type of its value.
    KINDS = (models.CharField, models.DateField, models.IntegerField, models.DecimalField)

    def bind(self, lookups: list, extra_at: int) -> list[str]:
        """For tuple rows of ``lookups`` followed, from ``extra_at``, by the lookups this returns
        (the field, when ``lookups`` lack it): where such a row holds the field and the key."""
        extra, field_index = [], None
        if self.field is not None:
            if self.field.attname in lookups:
                field_index = lookups.index(self.field.attname)
            else:
                extra, field_index = [self.field.attname], extra_at
        self.indexes = (field_index, lookups.index("pk"))
        return extra

    @property
    def fields(self) -> list:
        return [self.field, self.pk] if self.field is not None else [self.pk]

    def sentinels(self, variant: int) -> list:
        """Values of the position's fields that no statement holds otherwise, within each
        column's range and different for the field and the key: where a kept statement's
        parameters take a position's values (:class:`PageStatement`). Two variants (0 and 1), to
        tell the position's parameters from any other that happens to be equal."""
        ops = connections[self.alias].ops
        values = []
        for field in self.fields:
            if isinstance(field, models.IntegerField):  # and the primary key (BigAutoField)
                low, high = ops.integer_field_range(field.get_internal_type())
                if field.primary_key:
                    values.append((-(2**31) if low is None else low) + 5 + variant)
                else:
                    values.append((2**31 - 1 if high is None else high) - 11 - variant)
            elif isinstance(field, models.DateTimeField):
                values.append(dt.datetime(1, 2, 3, 4, 5, 6, 789 + variant, tzinfo=dt.UTC))
            elif isinstance(field, models.DateField):
                values.append(dt.date(1, 2, 3 + variant))
            elif isinstance(field, models.DecimalField):
                values.append(Decimal(-(7 + variant)).scaleb(-(field.decimal_places or 0)))
            else:
                values.append(f"crm-position-{variant}\x1f")
        return values

    def adapted(self, values, connection) -> list:
        """``values`` as a lookup sends them to the database (SQLite's text for a date)."""
        return [
            field.get_db_prep_value(field.get_prep_value(value), connection, prepared=True)
            for field, value in zip(self.fields, values, strict=True)
        ]

    def position(self, row) -> str | None:
        """The position of ``row`` (a tuple or an instance), or None where its value is NULL."""
        if isinstance(row, tuple):
            values = [row[index] for index in self.indexes if index is not None]
        else:
            values = [getattr(row, self.field.attname)] if self.field else []
            values.append(row.pk)
        return position_token(self.name, values)

    def read(self, request):
        """``(values, backwards)`` from ``?after=`` or ``?before=``, or None (no position, or one of
        another ordering). A malformed one is a 400."""
        given = [name for name in (self.AFTER, self.BEFORE) if name in request.query_params]
        if not given:
            return None
        if len(given) == 2:
            raise ValidationError({self.BEFORE: [_("不能与 after 同时使用。 Cannot be combined with after.")]})
        name = given[0]
        invalid = ValidationError({name: [_("位置无效。 Not a position in this list.")]})
        token = request.query_params[name]
        try:
            data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
            raise invalid from None
        if not isinstance(data, list) or not data or not isinstance(data[0], str):
            raise invalid
        if data[0] != self.name:
            return None  # made for another ordering: the page by its offset
        fields = self.fields
        if len(data) != len(fields) + 1:
            raise invalid
        try:
            values = [self._value(field, value) for field, value in zip(fields, data[1:], strict=True)]
        except (DjangoValidationError, TypeError, ValueError, ArithmeticError, OverflowError):
            raise invalid from None
        return values, name == self.BEFORE

    def _value(self, field, value):
        if isinstance(field, models.IntegerField):
            low, high = connections[self.alias].ops.integer_field_range(field.get_internal_type())
            if type(value) is not int or (low is not None and value < low) or (high is not None and value > high):
                raise ValueError(value)
            return value
        if not isinstance(value, str) or len(value) > 1000 or "\x00" in value:
            raise ValueError(value)
        value.encode()  # a lone surrogate: UnicodeEncodeError, a ValueError
        converted = field.to_python(value)
        if isinstance(field, models.DateTimeField):
            if converted.tzinfo is None:
                raise ValueError(value)
            converted.astimezone(dt.UTC)  # overflows at the ends of the calendar
        if isinstance(converted, Decimal) and not converted.is_finite():
            raise ValueError(value)
        field.run_validators(converted)  # a decimal's digits, a text's length
        return converted

    def ids(self, queryset, values, backwards: bool, limit: int) -> tuple[str, list] | None:
        """The SQL of the ids of the ``limit`` rows after (before) ``values``, in the list's order
        (backwards: the reverse), as one or two ranges on the ordering's index; None for none."""
        descending = self.descending != backwards
        ordered = queryset.reverse() if backwards else queryset
        if self.field is None:
            ranges = [Q(**{f"pk__{'lt' if descending else 'gt'}": values[-1]})]
        else:
            # A row value comparison, ``(field, id) > (value, key)``: the index scan starts at the
            # position itself. (``field >= value AND (field > value OR id > key)`` started at the
            # value and read every tie before the position: thousands of reminders share a time.)
            connection = connections[queryset.db]
            quote, table = connection.ops.quote_name, connection.ops.quote_name(self.model._meta.db_table)
            columns = ", ".join(f"{table}.{quote(field.column)}" for field in self.fields)
            after = RawSQL(
                f"({columns}) {'<' if descending else '>'} (%s, %s)",
                self.adapted(values, connection),  # as a lookup would send them (SQLite's text)
                output_field=models.BooleanField(),
            )
            ranges = [after]
            # NULLs come after every value in this direction (ascending on PostgreSQL, descending
            # on SQLite): a second range of the index (a condition with OR would use none).
            if self.field.null and self.nulls_last != descending:
                ranges.append(Q(**{f"{self.field.attname}__isnull": True}))
        parts, params = [], []
        for condition in ranges:
            compiled = sql_of(ordered.filter(condition).values("pk")[:limit])
            if compiled is not None:
                parts.append(compiled[0])
                params.extend(compiled[1])
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0], params
        quote = connections[queryset.db].ops.quote_name
        union = " UNION ALL ".join(
            f"SELECT {quote('pk')} FROM ({part}) AS {quote(f'range{i}')}" for i, part in enumerate(parts)
        )
        return union, params


def sql_of(queryset) -> tuple[str, list] | None:
    """The SQL and parameters of ``queryset``, compiled on its own to be nested as ``RawSQL``
    (the ORM would copy and relabel the whole query to nest it); None when nothing can match."""
    try:
        return queryset.query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:
        return None


def position_token(ordering: str, values) -> str | None:
    """The text of a position (:class:`Keyset`): None where a value is NULL."""
    if any(value is None for value in values):
        return None
    text = json.dumps([ordering, *values], default=_position_value, ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _position_value(value):
    """A position's date, datetime (to the microsecond, with its offset) or decimal, as text."""
    if isinstance(value, dt.date | Decimal):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    raise TypeError(type(value))


class PageStatement(CompiledStatement):
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

    @classmethod
    def rows(cls, key, build, alias, position=None) -> list[tuple]:
        """The rows of the statement kept for ``key``, or of ``build()``'s queryset (then kept).

        ``position``: ``(keyset, values)`` of a page read from a position (:class:`Keyset`).
        ``build(values)`` then makes the queryset for any values: the statement is compiled once
        with the keyset's sentinels, and each request's values are bound in their places.
        Without a ``key`` nothing is kept: the queryset is built and read."""
        if key is None:
            return list(build() if position is None else build(position[1]))
        connection = connections[alias]
        kept = cls._kept.get(key)
        if kept is None:
            if position is None:
                queryset = build()
                try:
                    kept = cls(queryset)
                except EmptyResultSet:
                    return list(queryset)
            else:
                kept = cls.positioned(build, position[0], connection) or cls.UNKEPT
            if len(cls._kept) >= cls.LIMIT:
                cls._kept.clear()
            cls._kept[key] = kept
        if kept is cls.UNKEPT:
            return list(build(position[1]))
        params = kept.params if position is None else kept.bound(position[0].adapted(position[1], connection))
        if settings.CHECK_CACHED_STATEMENTS:
            queryset = build() if position is None else build(position[1])
            fresh = cls(queryset)
            if (fresh.sql, fresh.params) != (kept.sql, params):
                raise AssertionError(f"A kept page statement differs from its query's: {key!r}")
        return kept.execute(connection, params)

    # A positioned page whose statement cannot be kept (see positioned): compiled per request.
    UNKEPT = object()

    @classmethod
    def positioned(cls, build, keyset, connection) -> "PageStatement | None":
        """The statement of ``build(values)`` for any position of ``keyset``, or None. It is
        compiled with both variants of the keyset's sentinels, and kept only when they give the
        same SQL, the same other parameters and the same slots, with a slot for every value of
        the position (an overflowing lookup that Django drops, or a parameter equal to a sentinel
        by chance, would break one of these)."""
        compiled = []
        for variant in (0, 1):
            sentinels = keyset.sentinels(variant)
            try:
                compiled.append(cls(build(sentinels), keyset.adapted(sentinels, connection)))
            except EmptyResultSet:
                return None
        first, second = compiled
        slotted = {index for index, _which in first.slots}
        same_elsewhere = all(
            a == b for index, (a, b) in enumerate(zip(first.params, second.params, strict=True)) if index not in slotted
        )
        filled = {which for _index, which in first.slots} == set(range(len(keyset.fields)))
        if first.sql != second.sql or first.slots != second.slots or not same_elsewhere or not filled:
            return None
        return first

"""What a record's JSON holds, declared once beside its viewset: a :class:`Shape`.

A shape names every key of the JSON and what it is read from, in order::

    Shape(Milestone, {
        "id": "id",
        "project": "project",                  # a reference: its id
        "project_name": "project__name",       # a name beside it, by a join
        "kind_display": Label("kind"),         # a choice's label in the request's language
        "due_on": "due_on",                    # a date, written as ISO text
        "overdue": Condition(late),            # a condition in SQL, built per request
        "assignee_name": UserName("assignee"),
    })

A plain string is a lookup of the model; the model field it reaches says how its value is
written (a date or a datetime as ISO text in the request's time zone, a decimal as text with its
places) and how the schema types it. A list page and a detail are both read as ONE statement,
:meth:`Shape.rows` (the shape's ``values_list`` for the ids a request selects), and written by
:meth:`Shape.write`, so they cannot differ; the OpenAPI schema of both is :meth:`Shape.schema`.
docs/performance.md says how a list is read and how to add a column.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from functools import cached_property, lru_cache
from operator import itemgetter

from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models import Case, F, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import get_language
from rest_framework import serializers

from ...models import User

BOOLEAN = models.BooleanField()


class Column:
    """One key of the JSON: what the database reads for it, how its value is written, how the
    schema types it. ``lookup`` is a lookup of the model's fields (``company__name``)."""

    # The column's value is ``combine(*values)`` of what it reads (not its first value).
    combines = False

    def __init__(self, lookup: str = "", *, schema: serializers.Field | None = None):
        self.lookup, self.declared_schema = lookup, schema
        self.model_field, self.nullable = None, False

    def bind(self, model) -> None:
        """Find the model field the lookup reaches (once, when the shape is first used)."""
        self.model_field, self.nullable = reached_field(model, self.lookup)

    def reads(self) -> list:
        """What the column reads for every request (lookups or expressions, for ``values_list``):
        one value; several for a column that ``combine``s them; none for one made per request."""
        return [read_as_stored(self.model_field, self.lookup)]

    def writer(self):
        """How a value (never None) is written in this request, or None to write it as it comes."""
        return writer_for(self.model_field)

    def schema(self) -> serializers.Field:
        return self.declared_schema or schema_field_for(self.model_field, self.nullable)


class Label(Column):
    """The label of a choice field's value, in the request's language (``kind_display``)."""

    def writer(self):
        labels = choice_labels(self.model_field, get_language() or "")
        return lambda value: labels.get(value, value)

    def schema(self) -> serializers.Field:
        return serializers.CharField(read_only=True, allow_null=self.nullable)


class UserName(Column):
    """What ``str()`` of the referenced user says (the full name, else the username), or null."""

    combines = True

    def reads(self) -> list:
        return [f"{self.lookup}__full_name", f"{self.lookup}__username"]

    def combine(self, full_name, username):
        return None if username is None else User.display_name(full_name, username)

    def writer(self):
        return None

    def schema(self) -> serializers.Field:
        return serializers.CharField(read_only=True, allow_null=self.nullable)


class Ids(Column):
    """The ids a many-to-many field links to, in the order the links were made."""

    def reads(self) -> list:
        return [LinkedIds(self.model_field)]

    def writer(self):
        return None

    def schema(self) -> serializers.Field:
        return serializers.ListField(child=serializers.IntegerField(), read_only=True)


class Condition(Column):
    """True or false by a condition written in SQL, made per request by ``condition()`` (a ``Q``
    that may hold today's date): the same condition a filter uses."""

    def __init__(self, condition, **kwargs):
        super().__init__(**kwargs)
        self.condition = condition

    def bind(self, model) -> None:
        pass

    def reads(self) -> list:
        return []  # nothing read for every request: see for_request()

    def for_request(self):
        """This request's column (the condition may hold today's date)."""
        return Case(When(self.condition(), then=Value(True)), default=Value(False), output_field=BOOLEAN)

    def writer(self):
        return None

    def schema(self) -> serializers.Field:
        return self.declared_schema or serializers.BooleanField(read_only=True)


class Expression(Column):
    """The value of an ORM expression (a sum of a ledger, say), typed by ``output_field``."""

    def __init__(self, expression, output_field: models.Field, **kwargs):
        super().__init__(**kwargs)
        self.expression, self.output_field = expression, output_field

    def bind(self, model) -> None:
        self.model_field, self.nullable = self.output_field, self.output_field.null

    def reads(self) -> list:
        return [self.expression]

    def schema(self) -> serializers.Field:
        if self.declared_schema is not None or not isinstance(self.output_field, models.DecimalField):
            return super().schema()
        field = self.output_field  # of no model: ModelSerializer cannot map it
        return serializers.DecimalField(field.max_digits, field.decimal_places, read_only=True, allow_null=field.null)


class Computed(Column):
    """A value computed in Python from several lookups or expressions: ``function(*values)``."""

    combines = True

    def __init__(self, function, *lookups, schema: serializers.Field):
        super().__init__(lookups[0], schema=schema)
        self.function, self.lookups = function, lookups

    def bind(self, model) -> None:
        pass

    def reads(self) -> list:
        return list(self.lookups)

    def combine(self, *values):
        return self.function(*values)

    def writer(self):
        return None


class Shape:
    """The columns of a resource's JSON (see the module's docstring)."""

    def __init__(self, model, columns: dict[str, Column | str], *, name: str = ""):
        self.model = model
        self.columns = {
            key: column if isinstance(column, Column) else Column(column) for key, column in columns.items()
        }
        self.keys = tuple(self.columns)
        self.name = name or model.__name__  # the schema's component

    @cached_property
    def _layout(self):
        """Where each key's values are in a row: first those read for every request (the
        columns' first values in the shape's order, then the further values of the columns
        that read several), then those made per request (:class:`Condition`)."""
        for column in self.columns.values():
            column.bind(self.model)
        reads = {key: column.reads() for key, column in self.columns.items()}
        static = [key for key in self.keys if reads[key]]
        firsts, further, combined, index = [reads[key][0] for key in static], [], [], {}
        for position, key in enumerate(static):
            index[key] = position
            if self.columns[key].combines:  # its value is combine() of what it reads, even of one value
                start = len(static) + len(further)
                further.extend(reads[key][1:])
                indexes = (position, *range(start, start + len(reads[key]) - 1))
                combined.append((key, self.columns[key].combine, indexes))
        made = [key for key in self.keys if not reads[key]]
        for offset, key in enumerate(made):
            index[key] = len(firsts) + len(further) + offset
        positions = [index[key] for key in self.keys]
        order = itemgetter(*positions) if len(positions) > 1 else (lambda row: (row[positions[0]],))
        return [*firsts, *further], made, combined, order

    @cached_property
    def base(self):
        """The model's rows as tuples of what every request reads: made once, like a viewset's
        ``queryset``, and copied by every request (a queryset never changes, it makes a new one)."""
        reads, _made, _combined, _order = self._layout
        return self.model._default_manager.values_list(*reads)

    def rows(self, ids: tuple[str, list], ordering=(), **extra):
        """The rows whose ids the SQL ``ids`` selects (the list's own query, filtered, ordered
        and sliced: crm/api/lists/pagination.py), in ``ordering``: tuples of the shape's values,
        then ``extra`` (a position's values, the count)."""
        _reads, made, _combined, _order = self._layout
        made_now = {f"_made_{key}": self.columns[key].for_request() for key in made}
        rows = self.base.filter(pk__in=RawSQL(*ids)).annotate(**made_now, **extra)
        # The model's default order is the base's already.
        return rows.order_by(*ordering) if ordering and list(ordering) != self.model._meta.ordering else rows

    def write(self, rows) -> list[dict]:
        """The JSON objects of ``rows`` (tuples of :meth:`rows`), for this request's language and
        time zone; values beyond the shape's (the position, the count) are left out."""
        _reads, _made, combined, order = self._layout
        keys = self.keys
        writers = [
            (key, position, write)
            for position, (key, column) in enumerate(self.columns.items())
            if (write := column.writer()) is not None
        ]
        results = []
        for row in rows:
            values = order(row)
            item = dict(zip(keys, values, strict=True))
            for key, position, write in writers:
                value = values[position]
                if value is not None:
                    item[key] = write(value)
            for key, combine, indexes in combined:
                item[key] = combine(*[row[index] for index in indexes])
            results.append(item)
        return results

    def one(self, queryset) -> dict | None:
        """The JSON object of the queryset's only row, or None."""
        ids = sql_of(queryset.values("pk")[:2])
        rows = self.write(self.rows(ids)) if ids is not None else []
        return rows[0] if len(rows) == 1 else None

    @cached_property
    def serializer_class(self) -> type[serializers.Serializer]:
        """A read-only serializer of the shape, for the OpenAPI schema (never used to write)."""
        self._layout  # noqa: B018  (binds the columns)
        # Copies made in the shape's order: a serializer orders its fields by when they were made.
        fields = {key: copy.deepcopy(column.schema()) for key, column in self.columns.items()}
        return type(self.name, (serializers.Serializer,), {**fields, "__doc__": ""})

    def schema(self, many: bool = False) -> serializers.Serializer:
        return self.serializer_class(many=many)


# Reaching fields and writing values --------------------------------------------------------------


def reached_field(model, lookup: str) -> tuple[models.Field, bool]:
    """The model field a lookup such as ``project__owner__username`` ends on, and whether its
    value may be null (the field's, or any relation's on the way). A lookup that reaches no
    field raises FieldDoesNotExist when the shape is first used."""
    field, nullable = None, False
    for part in lookup.split("__"):
        if field is not None:
            model = field.related_model
        field = model._meta.pk if part == "pk" else model._meta.get_field(part)
        nullable = nullable or field.null
    return field, nullable


def read_as_stored(model_field, lookup: str):
    """How ``lookup`` is read: as it is, but a datetime as the database's ISO text, which
    :func:`moment` parses in C. Django reads a timestamptz with a loader of its own written in
    Python (2–3 µs a value, a third of a millisecond a page; Django ticket #36960)."""
    if isinstance(model_field, models.DateTimeField):
        return Cast(lookup, models.TextField())
    return lookup


def writer_for(model_field):
    """How a value of ``model_field`` is written: DRF's formats (docs/frontend.md)."""
    if isinstance(model_field, models.DateTimeField):
        return datetime_writer(timezone.get_current_timezone())
    if isinstance(model_field, models.DateField):
        return dt.date.isoformat
    if isinstance(model_field, models.DecimalField):
        return decimal_writer(model_field.decimal_places)
    return None


def datetime_writer(zone):
    """ISO 8601 in ``zone`` (the request's), ``Z`` for UTC, as DRF writes a datetime. The value
    is a datetime, or the database's text of one: PostgreSQL's with its offset, SQLite's naive
    and in UTC (as Django stores it)."""

    def write(value: dt.datetime | str) -> str:
        text = moment(value).astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return write


def moment(value: dt.datetime | str | None) -> dt.datetime | None:
    """A datetime, from itself or from the database's text of it (PostgreSQL's has its offset,
    SQLite's is naive and in UTC, as Django stores it)."""
    if not isinstance(value, str):
        return value
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def decimal_writer(places: int):
    """A decimal as text with the field's places (``"2000000000.00"``), as DRF writes money."""
    return lambda value: f"{value:.{places}f}"


@lru_cache(maxsize=512)
def choice_labels(model_field, language: str) -> dict:
    """A choice field's labels in ``language`` (the translation is made once per language)."""
    return {value: str(label) for value, label in model_field.flatchoices}


def schema_field_for(model_field, nullable: bool) -> serializers.Field:
    """The read-only DRF field that types a model field's value in the schema."""
    if model_field is None:
        return serializers.ReadOnlyField()
    if model_field.is_relation:
        return serializers.IntegerField(read_only=True, allow_null=nullable)
    builder = serializers.ModelSerializer()
    field_class, kwargs = builder.build_standard_field(model_field.name, model_field)
    kwargs = builder.include_extra_kwargs(kwargs, {"read_only": True})
    kwargs["allow_null"] = nullable
    if model_field.blank and issubclass(field_class, serializers.CharField | serializers.ChoiceField):
        kwargs["allow_blank"] = True  # an empty URL, email or choice is written as ""
    if field_class is serializers.JSONField:
        kwargs.pop("encoder", None), kwargs.pop("decoder", None)
    return field_class(**kwargs)


class IdList(models.Field):
    """The ids of :class:`LinkedIds`: PostgreSQL's array as it comes, SQLite's JSON text read."""

    def from_db_value(self, value, expression, connection):
        return json.loads(value) if isinstance(value, str) else value


class LinkedIds(models.Expression):
    """The ids a many-to-many field of the row links to, in the order the links were made, as a
    column of the row's own statement (a correlated subquery on the link table's index)."""

    template = "ARRAY(SELECT {target} FROM {table} WHERE {source} = {row} ORDER BY {link})"
    sqlite_template = (
        "(SELECT json_group_array({target}) FROM (SELECT {target} FROM {table} WHERE {source} = {row} ORDER BY {link}))"
    )

    def __init__(self, field: models.ManyToManyField):
        super().__init__(output_field=IdList())
        self.relation, self.row = field, F("pk")

    def get_source_expressions(self):
        return [self.row]

    def set_source_expressions(self, expressions):
        (self.row,) = expressions

    def as_sql(self, compiler, connection, template=None):
        quote, through = connection.ops.quote_name, self.relation.remote_field.through._meta
        row, params = compiler.compile(self.row)
        sql = (template or self.template).format(
            target=quote(through.get_field(self.relation.m2m_reverse_field_name()).column),
            table=quote(through.db_table),
            source=quote(through.get_field(self.relation.m2m_field_name()).column),
            link=quote(through.pk.column),
            row=row,
        )
        return sql, params

    def as_sqlite(self, compiler, connection):
        return self.as_sql(compiler, connection, template=self.sqlite_template)


def sql_of(queryset) -> tuple[str, list] | None:
    """The SQL and parameters of ``queryset`` (ids: ``values("pk")``), compiled on its own to be
    nested as ``RawSQL`` (the ORM would copy and relabel the whole query to nest it); None when
    nothing can match."""
    try:
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:
        return None
    if queryset.query.distinct or queryset.query.combinator:
        # SELECT DISTINCT also selects the columns it is ordered by: keep the ids alone.
        quote = connections[queryset.db].ops.quote_name
        sql = f"SELECT {quote('pk')} FROM ({sql}) AS {quote('ids')}"
    return sql, params

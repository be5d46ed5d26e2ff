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
places) and how the schema types it. A list page and a detail are both read as ONE ``values_list``
of these columns and written by :meth:`Shape.write`, so they cannot differ, and the OpenAPI
schema of both is :meth:`Shape.schema`. docs/performance.md says how to add a column.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from functools import cached_property, lru_cache

from django.db import models
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import get_language
from rest_framework import serializers

from ...models import User


class Column:
    """One key of the JSON: what the database reads for it, how its value is written, how the
    schema types it. ``lookup`` is a lookup of the model or of the queryset's annotations."""

    def __init__(self, lookup: str = "", *, schema: serializers.Field | None = None):
        self.lookup, self.declared_schema = lookup, schema
        self.model_field, self.nullable = None, False

    def bind(self, model) -> None:
        """Find the model field the lookup reaches (once, when the shape is first used)."""
        self.model_field, self.nullable = reached_field(model, self.lookup)

    def reads(self) -> list:
        """The ``values_list`` arguments of this column (lookups or expressions): one, but for
        a :class:`Computed` column."""
        return [self.lookup]

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

    def reads(self) -> list:
        return [User.name_expression(self.lookup)]

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
        return [
            Case(When(self.condition(), then=Value(True)), default=Value(False), output_field=models.BooleanField())
        ]

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
    """A value computed in Python from several lookups: ``function(*values)``."""

    def __init__(self, function, *lookups: str, schema: serializers.Field):
        super().__init__(lookups[0], schema=schema)
        self.function, self.lookups = function, lookups

    def bind(self, model) -> None:
        pass

    def reads(self) -> list:
        return list(self.lookups)

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
        """Where each column's values are in a row: each key's own at its position in the
        shape, the further lookups of :class:`Computed` columns after them."""
        for column in self.columns.values():
            column.bind(self.model)
        further, computed = [], []
        for position, (key, column) in enumerate(self.columns.items()):
            if isinstance(column, Computed):
                start = len(self.columns) + len(further)
                further.extend(column.reads()[1:])
                indexes = (position, *range(start, start + len(column.lookups) - 1))
                computed.append((key, column.function, indexes))
        return further, computed

    def read(self, queryset, *extra):
        """``queryset`` as tuples: the value of each column in order, the further lookups of the
        computed columns, then the ``extra`` lookups (a list's position, crm/api/lists/positions.py)."""
        further, _computed = self._layout
        first = [column.reads()[0] for column in self.columns.values()]
        return queryset.values_list(*first, *further, *extra)

    def write(self, rows) -> list[dict]:
        """The JSON objects of ``rows`` (tuples of :meth:`read`), for this request's language
        and time zone; values beyond the shape's (the position, the count) are left out."""
        _further, computed = self._layout
        keys = self.keys
        writers = [
            (key, index, write)
            for index, (key, column) in enumerate(self.columns.items())
            if (write := column.writer()) is not None
        ]
        results = []
        for row in rows:
            item = dict(zip(keys, row, strict=False))
            for key, index, write in writers:
                value = row[index]
                if value is not None:
                    item[key] = write(value)
            for key, function, indexes in computed:
                item[key] = function(*[row[index] for index in indexes])
            results.append(item)
        return results

    def one(self, queryset) -> dict | None:
        """The JSON object of the queryset's only row, or None."""
        rows = self.write(self.read(queryset)[:2])
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


def reached_field(model, lookup: str) -> tuple[models.Field | None, bool]:
    """The model field a lookup such as ``project__owner__username`` ends on (None for a queryset
    annotation), and whether its value may be null (the field's, or any relation's on the way)."""
    field, nullable = None, False
    for part in lookup.split("__"):
        if field is not None:
            model = field.related_model
        try:
            field = model._meta.get_field(part)
        except Exception:  # noqa: BLE001  (FieldDoesNotExist: an annotation of the queryset)
            return None, True
        nullable = nullable or field.null
    return field, nullable


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
    """ISO 8601 in ``zone`` (the request's), ``Z`` for UTC, as DRF writes a datetime."""

    def write(value: dt.datetime) -> str:
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return write


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

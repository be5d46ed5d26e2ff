"""Lists written without a serializer per row (docs/performance.md, "The row path").

DRF writes a list field by field: a page of 50 milestones is 50 model instances (and their
related instances) and 750 ``get_attribute`` and ``to_representation`` calls. A list whose
serializer has only fields of the kinds below is instead read as tuples (``values_list``) and
turned into dicts by a :class:`RowPlan`, compiled once per serializer: one column (or
expression) per field, and a converter only where the database's value is not already what the
JSON holds. The JSON is the serializer's, key for key and value for value:
tests/performance/test_row_path.py compares both paths on every list of the router.

A serializer with a field the plan cannot write (a property, a nested serializer, a relation
that may be missing without a default) keeps the serializer path; :func:`plan_for` says None.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache, partial
from operator import itemgetter

from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import get_language
from rest_framework import fields as drf
from rest_framework.relations import ManyRelatedField, PrimaryKeyRelatedField
from rest_framework.settings import api_settings

from ..db import fast_cursors
from ..models import User
from .fields import ChoiceDisplayField, ComputedField, NameField, choice_labels
from .mixins import many_ids
from .pagination import Keyset, PageNumberPagination

# The query parameters of a plain page: its statement's text changes with them, not its values
# (a position's values, ``after`` and ``before``, do not steer the plan: a range of the index).
PLAIN_PAGE_PARAMS = frozenset({"page", "page_size", "ordering", "format", "after", "before"})

# DRF fields whose representation of a database value is the value itself (a str from a text
# column, an int, a bool, a JSON document, a choice's stored value).
IDENTITY = (
    drf.CharField,  # and EmailField, URLField, RegexField, SlugField
    drf.IntegerField,
    drf.BooleanField,
    drf.ChoiceField,
    drf.JSONField,
)


@dataclass(frozen=True)
class Column:
    """One key of the JSON: where its value is in the row, and how it is written."""

    key: str
    indexes: tuple[int, ...]
    kind: str  # "plain", "date", "datetime", "number", "labels", "list", "computed", "many"
    convert: Callable | None = None
    model_field: models.Field | None = None  # labels: the choice field
    relation: str = ""  # many: the many-to-many field's name


class RowPlan:
    """The columns to read for a serializer's list, and how each row becomes its JSON object."""

    def __init__(self, model, lookups: list, columns: list[Column]):
        self.model = model
        self.lookups = lookups  # values_list arguments; the primary key first
        self.columns = columns
        self.relations = [column.relation for column in columns if column.kind == "many"]
        self._renderer = _compile_renderer(model.__name__, columns)
        self._arrays: dict[str, dict] = {}  # by database alias: see arrays_for

    def arrays_for(self, alias: str) -> dict:
        """The array columns by which the page brings its own many-to-many ids (PostgreSQL), one
        per field, in the order the links were made; empty where a second statement reads them
        (:func:`many_ids`). Written once per database, as SQL: the ORM would build and compile a
        subquery per field and request. The page's table is its statement's first, so it keeps
        its own name as its alias."""
        if alias not in self._arrays:
            connection = connections[alias]
            expressions = {}
            if self.relations and connection.vendor == "postgresql":
                from django.contrib.postgres.fields import ArrayField

                quote, meta = connection.ops.quote_name, self.model._meta
                outer = f"{quote(meta.db_table)}.{quote(meta.pk.column)}"
                for name in self.relations:
                    field = meta.get_field(name)
                    through = field.remote_field.through._meta
                    source = quote(through.get_field(field.m2m_field_name()).column)
                    target = quote(through.get_field(field.m2m_reverse_field_name()).column)
                    sql = (
                        f"ARRAY(SELECT {target} FROM {quote(through.db_table)} "
                        f"WHERE {source} = {outer} ORDER BY {quote(through.pk.column)})"
                    )
                    expressions[f"_many_{name}"] = RawSQL(sql, [], output_field=ArrayField(models.BigIntegerField()))
            self._arrays[alias] = expressions
        return self._arrays[alias]

    def values(self, queryset, arrays: dict, extra=()):
        """The page's columns (``lookups``), then the ``arrays`` of :meth:`arrays_for`, then the
        ``extra`` lookups (the ordering's field for the links' positions, when no column holds it)."""
        return (queryset.annotate(**arrays) if arrays else queryset).values_list(*self.lookups, *arrays, *extra)

    def render(self, rows, arrays: dict) -> list[dict]:
        """The JSON objects of ``rows`` (tuples of :meth:`values` with the same ``arrays``);
        without arrays, the many-to-many ids are read in one more statement."""
        rows = rows if isinstance(rows, list) else list(rows)
        if arrays:
            first = len(self.lookups)
            many = {name: first + position for position, name in enumerate(self.relations)}
        else:
            many = many_ids(self.model, [row[0] for row in rows], self.relations) if self.relations and rows else {}
        writers = [self._writer(column, many, arrays) for column in self.columns if column.kind != "plain"]
        return self._renderer(rows, *writers)

    @staticmethod
    def _writer(column: Column, many, arrays: dict) -> Callable:
        """The writer of a column that is not plain, bound to this request's language and time
        zone: of the row (``many``), of the columns it reads (``computed``) or of the column's
        value, never None (the others).
        ``many``: the ids read by :func:`many_ids`, or (``arrays``) where each array is in a row."""
        if column.kind == "many":
            name = column.relation
            if arrays:
                return itemgetter(many[name])
            return lambda row: many.get((name, row[0]), [])
        if column.kind == "labels":
            labels = choice_labels(column.model_field, get_language() or "")
            return lambda value: labels.get(value, str(value))
        if column.kind == "datetime":
            return _datetime_writer(timezone.get_current_timezone())
        return column.convert  # date, number, list; computed: of the columns it reads


def _compile_renderer(name: str, columns: list[Column]) -> Callable:
    """``render(rows, *writers)``: one list comprehension whose item is a dict display, a key per
    column in the serializer's order. A plain column is the row's value; any other calls its
    writer (bound to the request, :meth:`RowPlan._writer`), with None staying None for a value's
    writer. Written as Python source once per plan (as the standard library's dataclasses write
    their methods): a loop over the columns spent a third of a page's time in function calls."""
    items, writers = [], []
    for column in columns:
        if column.kind == "plain":
            items.append(f"{column.key!r}: row[{column.indexes[0]}]")
            continue
        writer = f"w{len(writers)}"
        writers.append(writer)
        if column.kind == "many":
            items.append(f"{column.key!r}: {writer}(row)")
        elif column.kind == "computed":
            items.append(f"{column.key!r}: {writer}({', '.join(f'row[{i}]' for i in column.indexes)})")
        else:
            index = column.indexes[0]
            items.append(f"{column.key!r}: None if row[{index}] is None else {writer}(row[{index}])")
    source = (
        f"def render(rows{''.join(', ' + w for w in writers)}):\n    return [{{{', '.join(items)}}} for row in rows]\n"
    )
    namespace: dict = {}
    exec(compile(source, f"<row plan of {name}>", "exec"), namespace)
    return namespace["render"]


def _datetime_writer(zone):
    """DRF's ISO 8601: in the current time zone, ``Z`` for UTC."""

    def write(value: dt.datetime) -> str:
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return write


def _decimal_writer(field: drf.DecimalField) -> Callable:
    """DRF's representation of a decimal, quicker for what the database gives: a Decimal that
    already has the field's places is written as it is (what quantizing it would give back)."""
    slow = field.to_representation
    coerce = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)  # as DRF reads it
    if not coerce or field.localize or field.normalize_output or None in (field.decimal_places, field.max_digits):
        return slow
    exponent, digits = -field.decimal_places, field.max_digits

    def write(value):
        if type(value) is Decimal and value.is_finite():
            parts = value.as_tuple()
            if parts.exponent == exponent and len(parts.digits) <= digits:
                return f"{value:f}"
        return slow(value)  # and beyond max_digits, DRF's error

    return write


def plan_for(serializer_class, model, annotations=()) -> RowPlan | None:
    """The plan of ``serializer_class``'s list over ``model`` (with these queryset annotations),
    or None when a field cannot be written from a row."""
    return _plan_for(serializer_class, model, tuple(sorted(annotations)))


@lru_cache(maxsize=128)
def _plan_for(serializer_class, model, annotations: tuple[str, ...]) -> RowPlan | None:
    lookups: list = ["pk"]
    columns: list[Column] = []

    def read(*wanted) -> tuple[int, ...]:
        indexes = []
        for lookup in wanted:
            if isinstance(lookup, str) and lookup in lookups:
                indexes.append(lookups.index(lookup))
            else:
                lookups.append(lookup)
                indexes.append(len(lookups) - 1)
        return tuple(indexes)

    for key, field in serializer_class().fields.items():
        if field.write_only:
            continue
        column = _column(key, field, model, annotations, read)
        if column is None:
            return None
        columns.append(column)
    return RowPlan(model, lookups, columns)


def _column(key, field, model, annotations, read) -> Column | None:
    source = field.source
    if isinstance(field, ComputedField):
        return Column(key, read(*field.columns), "computed", convert=field.compute)
    if isinstance(field, ManyRelatedField):
        child = field.child_relation
        if not isinstance(child, PrimaryKeyRelatedField) or child.pk_field is not None:
            return None  # a slug or a nested object, not the ids the plan reads
        relation = _field(model, source)
        if relation is None or not relation.many_to_many:
            return None
        return Column(key, (), "many", relation=source)
    if source in annotations and "." not in source:
        return _value_column(key, field, read(source))
    parts = source.split(".")
    if len(parts) == 1 and source.startswith("get_") and source.endswith("_display"):
        choice_field = _field(model, source[4:-8])
        if choice_field is None or not choice_field.choices or not isinstance(field, drf.CharField):
            return None
        return Column(key, read(choice_field.attname), "labels", model_field=choice_field)
    if isinstance(field, ChoiceDisplayField):
        return Column(key, read(field.model_field.attname), "labels", model_field=field.model_field)
    first = _field(model, parts[0])
    if first is None or first.many_to_many or first.one_to_many or first.one_to_one and not first.concrete:
        return None
    if first.is_relation:
        nullable = first.null
        if len(parts) == 1:
            if isinstance(field, PrimaryKeyRelatedField) and field.pk_field is None:
                return Column(key, read(first.attname), "plain")
            if isinstance(field, NameField) and first.related_model is User:
                return Column(key, read(User.name_expression(first.name)), "plain")
            return None
        if len(parts) != 2 or (nullable and field.default is not None):
            return None  # a missing relation: DRF writes the default, or leaves the key out
        if parts[1] == "__str__":
            if first.related_model is not User or not isinstance(field, drf.CharField):
                return None
            return Column(key, read(User.name_expression(first.name)), "plain")
        target = _field(first.related_model, parts[1])
        if target is None or target.is_relation:
            return None
        return _value_column(key, field, read(f"{first.name}__{target.name}"))
    if len(parts) != 1 or not first.concrete:
        return None
    return _value_column(key, field, read(first.attname))


def _value_column(key, field, indexes) -> Column | None:
    """A column whose JSON is the DRF field's representation of the database value."""
    if isinstance(field, drf.DateTimeField):
        return Column(key, indexes, "datetime")
    if isinstance(field, drf.DateField):
        return Column(key, indexes, "date", convert=dt.date.isoformat)
    if isinstance(field, drf.DecimalField):
        return Column(key, indexes, "number", convert=_decimal_writer(field))
    if isinstance(field, drf.BigIntegerField):  # may be written as text
        return Column(key, indexes, "number", convert=field.to_representation)
    if isinstance(field, drf.ListField):
        child = field.child.to_representation
        return Column(key, indexes, "list", convert=lambda items: [None if i is None else child(i) for i in items])
    if isinstance(field, (*IDENTITY, drf.ReadOnlyField)) and not isinstance(field, NameField):
        return Column(key, indexes, "plain")
    return None


def _field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


class RowListMixin:
    # ``list`` by the row path when the serializer allows it (see the module's docstring).
    # Pagination, filters, ordering, visibility and the response's shape are those of DRF's
    # ``list``; only the writing of the rows differs. (A comment, not a docstring: the OpenAPI
    # schema takes a view's description from the first docstring of its classes.)

    row_path = True

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        plan = (
            plan_for(self.get_serializer_class(), queryset.model, queryset.query.annotations)
            if self.row_path and isinstance(self.paginator, PageNumberPagination)
            else None
        )
        if plan is None:
            return super().list(request, *args, **kwargs)
        # A plain page (no filter, no search, nothing hidden from this user: no value in its
        # statement steers the plan) is prepared once it has run five times on the connection
        # (crm/db.py); any other is planned for its values.
        plain = request.query_params.keys() <= PLAIN_PAGE_PARAMS and not queryset.query.where
        arrays = plan.arrays_for(queryset.db)
        # A plain page's statement is the same for every request of this view, ordering, page and
        # size: compiled once and kept (pagination.PageStatement, which says what this promises).
        key = (type(self), queryset.db, plan, queryset.query.order_by) if plain else None
        keyset = Keyset.of(queryset)
        extra = keyset.bind(plan.lookups, len(plan.lookups) + len(arrays)) if keyset is not None else []
        shape = partial(plan.values, arrays=arrays, extra=extra)
        with fast_cursors(queryset.db, prepare=None if plain else False):
            page = self.paginator.paginate_queryset(
                queryset, request, view=self, shape=shape, statement_key=key, keyset=keyset
            )
        return self.get_paginated_response(plan.render(page, arrays=arrays))

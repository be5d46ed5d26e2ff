"""Positions in a list (``?after=``, ``?before=``): pages read from a row on the index, not by OFFSET.

A page number is an offset: page 1000 of 50 rows skips 49,950 entries of the ordering's index.
The ``next`` link of a page therefore names, besides the page number, the position of the page's
last row (``after``), and ``previous`` that of its first (``before``): a client that follows the
links reads each page from its position on the index, as cheaply as page 1. A client that jumps to
``?page=N`` without a position still gets page N by its offset. Rows added or removed before the
position since the link was made shift the page by as many rows: it continues where the client
was, without repeating or skipping rows.

A list has positions when its ordering is one field of its own and the id, or the id alone, in
one direction (every list's default but those of industries, users and targets, and any
``?ordering=`` of a field of its own, to which crm/api/filters.py adds the id). A position is the
ordering's name and values in JSON, base64url-encoded; one made for another ordering is ignored
(the page is read by its number); one that is not a position is a 400 naming the parameter.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connections, models
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from .shapes import moment, read_as_stored, sql_of

AFTER, BEFORE = "after", "before"


class Keyset:
    """The ordering of a list, as positions read and write it."""

    # The kinds of field a position can hold.
    KINDS = (models.CharField, models.DateField, models.IntegerField, models.DecimalField)

    def __init__(self, model, field, descending: bool, alias: str):
        self.model, self.field, self.descending, self.alias = model, field, descending, alias
        self.name = ("-" if descending else "") + (field.name if field is not None else "pk")
        self.fields = [field, model._meta.pk] if field is not None else [model._meta.pk]
        # A row's position: these columns, read after the shape's (Shape.rows's ``extra``).
        self.columns = {}
        for i, f in enumerate(self.fields):
            read = read_as_stored(f, f.attname)
            self.columns[f"_position_{i}"] = F(read) if isinstance(read, str) else read
        # Where NULLs sort: last in ascending order on PostgreSQL, first on SQLite.
        self.nulls_last = connections[alias].vendor == "postgresql"

    @classmethod
    def of(cls, queryset) -> Keyset | None:
        """The keyset of ``queryset``'s ordering, or None when positions cannot follow it."""
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

    def position(self, values) -> str | None:
        """The position of a row whose ordering values are ``values`` (None where one is NULL)."""
        return position_token(
            self.name,
            [
                moment(value) if isinstance(field, models.DateTimeField) else value
                for field, value in zip(self.fields, values, strict=True)
            ],
        )

    def read(self, request) -> tuple[list, bool] | None:
        """``(values, backwards)`` from ``?after=`` or ``?before=``, or None (no position, or one of
        another ordering). A malformed one is a 400."""
        given = [name for name in (AFTER, BEFORE) if name in request.query_params]
        if not given:
            return None
        if len(given) == 2:
            raise ValidationError({BEFORE: [_("不能与 after 同时使用。 Cannot be combined with after.")]})
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
            return None  # made for another ordering: the page by its number
        if len(data) != len(self.fields) + 1:
            raise invalid
        try:
            values = [self._value(field, value) for field, value in zip(self.fields, data[1:], strict=True)]
        except (DjangoValidationError, TypeError, ValueError, ArithmeticError, OverflowError):
            raise invalid from None
        return values, name == BEFORE

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
            # position itself (``field >= value AND …`` would read every tie before it).
            connection = connections[queryset.db]
            quote, table = connection.ops.quote_name, connection.ops.quote_name(self.model._meta.db_table)
            columns = ", ".join(f"{table}.{quote(field.column)}" for field in self.fields)
            adapted = [
                field.get_db_prep_value(field.get_prep_value(value), connection, prepared=True)
                for field, value in zip(self.fields, values, strict=True)
            ]  # as a lookup would send them (SQLite's text for a date)
            after = RawSQL(f"({columns}) {'<' if descending else '>'} (%s, %s)", adapted, models.BooleanField())
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


def position_token(ordering: str, values) -> str | None:
    """The text of a position: None where a value is NULL."""
    if any(value is None for value in values):
        return None
    text = json.dumps([ordering, *values], default=_position_value, ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _position_value(value):
    """A position's date, datetime (to the microsecond, with its offset) or decimal, as text."""
    if isinstance(value, dt.date | Decimal):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    raise TypeError(type(value))

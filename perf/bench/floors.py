"""The raw-SQL floor of a list endpoint: one SQL query with the list's columns, dumped with orjson.

The query is written out from the serializer's fields (see :func:`floor_for`), not by the ORM:
a column per model field, a LEFT JOIN per ``x.name`` column, an ``ARRAY(...)`` per many-to-many
field, SQL for the few computed fields (``done``, ``overdue``, ``groups``), and the total count
as the API defines it (crm/api/pagination.py), all in ONE statement. Display labels of choice
fields are looked up in a dict in Python (what any hand-written endpoint would do). Run on a
psycopg connection of its own (no Django), in the Asia/Shanghai time zone, so that datetimes come
out as the API writes them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import orjson
from django.conf import settings
from django.db import models
from rest_framework import serializers
from rest_framework.relations import ManyRelatedField, PrimaryKeyRelatedField

from crm.api.pagination import EXACT_COUNT_LIMIT, Keyset, position_token
from crm.models import User

# SerializerMethodFields, written in SQL (``t`` is the listed table, %(today)s today's date).
OPEN_TASK = "t.status IN ('open', 'in_progress')"
COMPUTED = {
    ("milestone", "done"): "t.done_on IS NOT NULL",
    ("milestone", "overdue"): "(t.done_on IS NULL AND t.due_on < %(today)s)",
    ("task", "overdue"): f"COALESCE({OPEN_TASK} AND t.due_on < %(today)s, false)",
    ("partnerrequest", "overdue"): f"COALESCE({OPEN_TASK} AND t.due_on < %(today)s, false)",
    ("webhooksubscription", "secret_hint"): (
        "CASE WHEN t.secret = '' THEN '' WHEN char_length(t.secret) >= 12 THEN '••••' || right(t.secret, 4) "
        "ELSE '••••' END"
    ),
    ("user", "groups"): (
        "CASE WHEN t.is_superuser THEN ARRAY['editor', 'manager', 'viewer']::text[] ELSE ARRAY("
        "SELECT g.name::text FROM auth_group g JOIN crm_user_groups ug ON ug.group_id = g.id "
        "WHERE ug.user_id = t.id AND g.name IN ('viewer', 'editor', 'manager') ORDER BY g.name) END"
    ),
}
USER_NAME = "COALESCE(NULLIF({a}.full_name, ''), {a}.username)"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Floor:
    """One list's floor: the SQL, its parameters, and how each column becomes JSON."""

    url: str
    sql: str
    params: dict
    keys: list[str]
    converters: dict[int, object] = field(default_factory=dict)
    # The links' positions (crm/api/pagination.py, Keyset): the ordering's name, and how many
    # columns at the end of a row hold its values (none for a list without positions).
    ordering: str = ""
    position_width: int = 0

    def page(self, cursor, page: int, size: int, host: str = "http://testserver") -> bytes:
        params = {**self.params, "limit": size + 1, "offset": (page - 1) * size}
        cursor.execute(self.sql, params)
        rows = cursor.fetchall()
        more = len(rows) > size
        rows = rows[:size]
        keys, converters = self.keys, self.converters
        results = []
        width = self.position_width
        for row in rows:
            values = list(row[1 : len(row) - width])
            for index, convert in converters.items():
                values[index] = convert(values[index])
            results.append(dict(zip(keys, values, strict=True)))
        known = (page - 1) * size + len(rows)
        count = max(rows[0][0], known + 1) if more else known
        base = f"{host}{self.url}"
        after = position_token(self.ordering, _in_utc(rows[-1][-width:])) if width and rows else None
        before = position_token(self.ordering, _in_utc(rows[0][-width:])) if width and rows else None
        previous = f"{base}?before={before}&page={page - 1}" if before else f"{base}?page={page - 1}"
        body = {
            "count": count if rows else 0,
            "next": (f"{base}?after={after}&page={page + 1}" if after else f"{base}?page={page + 1}") if more else None,
            "previous": None if page <= 1 else (base if page == 2 else previous),
            "results": results,
        }
        return orjson.dumps(body, default=_default)


def _in_utc(values):
    """A position's datetimes as the API's connection reads them (in UTC; this one reads local time)."""
    return [value.astimezone(dt.UTC) if isinstance(value, dt.datetime) else value for value in values]


def _default(value):
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError


def _decimal_text(places: int):
    def convert(value):
        return None if value is None else f"{value:.{places}f}"

    return convert


def _datetime_text(value):
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _labels(choices):
    table = {str(k): str(v) for k, v in choices}

    def convert(value):
        return table.get(value, value) if value is not None else None

    return convert


def floor_for(url: str, serializer: serializers.ModelSerializer, queryset) -> Floor | None:
    """The floor of a list, or None when a field cannot be written in SQL here."""
    model = serializer.Meta.model
    table = model._meta.db_table
    label = model._meta.model_name
    select, keys, converters, joins = [], [], {}, {}

    def join(relation_name: str):
        if relation_name not in joins:
            relation = model._meta.get_field(relation_name)
            alias = f"j{len(joins)}"
            joins[relation_name] = (
                alias,
                f"LEFT JOIN {_q(relation.related_model._meta.db_table)} {alias} "
                f"ON {alias}.{_q(relation.target_field.column)} = t.{_q(relation.column)}",
            )
        return joins[relation_name][0]

    for name, api_field in serializer.fields.items():
        if api_field.write_only:
            continue
        source = api_field.source
        index = len(keys)
        if (label, name) in COMPUTED:
            expression = COMPUTED[(label, name)]
        elif isinstance(api_field, ManyRelatedField):
            relation = model._meta.get_field(source)
            through = relation.remote_field.through
            own, other = relation.m2m_field_name(), relation.m2m_reverse_field_name()
            own_col = through._meta.get_field(own).column
            other_col = through._meta.get_field(other).column
            expression = (
                f"ARRAY(SELECT x.{_q(other_col)} FROM {_q(through._meta.db_table)} x "
                f"WHERE x.{_q(own_col)} = t.id ORDER BY x.id)"
            )
        elif isinstance(api_field, PrimaryKeyRelatedField):
            expression = f"t.{_q(model._meta.get_field(source).column)}"
        elif source.startswith("get_") and source.endswith("_display"):
            choice_field = model._meta.get_field(source[4:-8])
            expression = f"t.{_q(choice_field.column)}"
            converters[index] = _labels(choice_field.choices)
        elif "." in source:
            relation_name, attribute = source.split(".", 1)
            alias = join(relation_name)
            if attribute == "__str__" and model._meta.get_field(relation_name).related_model is User:
                expression = USER_NAME.format(a=alias)
            else:
                expression = f"{alias}.{_q(attribute)}"
        elif name == "arrived_investment" and label == "project":
            expression = "COALESCE((SELECT SUM(c.amount) FROM crm_capitalarrival c WHERE c.project_id = t.id), 0.00)"
            converters[index] = _decimal_text(api_field.decimal_places)
        else:
            try:
                model_field = model._meta.get_field(source)
            except Exception:  # noqa: BLE001  (a field the floor does not know how to write)
                return None
            if model_field.is_relation and model_field.many_to_one:
                related = model_field.related_model
                if related is not User:
                    return None
                alias = join(source)
                expression = USER_NAME.format(a=alias)  # a NameField: str(user)
            elif model_field.is_relation:
                return None
            else:
                expression = f"t.{_q(model_field.column)}"
                if isinstance(model_field, models.DecimalField):
                    converters[index] = _decimal_text(model_field.decimal_places)
                elif isinstance(model_field, models.DateTimeField):
                    converters[index] = _datetime_text
        select.append(expression)
        keys.append(name)

    order = []
    for term in queryset.query.order_by or model._meta.ordering:
        descending = term.startswith("-")
        column = model._meta.get_field(term.lstrip("-")).column
        order.append(f"t.{_q(column)}{' DESC' if descending else ''}")
    order_sql = ", ".join(order)
    count = (
        f"(SELECT CASE WHEN c.reltuples > {EXACT_COUNT_LIMIT} THEN c.reltuples::bigint "
        f"ELSE (SELECT COUNT(*) FROM {_q(table)}) END FROM pg_class c WHERE c.oid = '{_q(table)}'::regclass)"
    )
    keyset = Keyset.of(queryset)
    position = [f"t.{_q(field.column)}" for field in keyset.fields] if keyset is not None else []
    sql = (
        f"SELECT {count}, {', '.join(select + position)} FROM "
        f"(SELECT id FROM {_q(table)} t ORDER BY {order_sql} LIMIT %(limit)s OFFSET %(offset)s) page "
        f"JOIN {_q(table)} t ON t.id = page.id {' '.join(j for _, j in joins.values())} ORDER BY {order_sql}"
    )
    return Floor(
        url=url,
        sql=sql,
        params={"today": _today()},
        keys=keys,
        converters=converters,
        ordering=keyset.name if keyset is not None else "",
        position_width=len(position),
    )


def _today() -> dt.date:
    from crm import services

    return services.today()


def floor_connection():
    """A psycopg connection of its own, in the time zone the API writes datetimes in."""
    import psycopg

    db = settings.DATABASES["default"]
    connection = psycopg.connect(
        dbname=db["NAME"],
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        autocommit=True,
    )
    connection.execute(f"SET TIME ZONE '{settings.TIME_ZONE}'")
    return connection

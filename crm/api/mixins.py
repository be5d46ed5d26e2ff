"""What every resource's viewset shares: preconditions, many-to-many ids and history."""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

from django.core.exceptions import ObjectDoesNotExist
from django.db import connections, router, transaction
from django.db.models import Exists, OuterRef, Value
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from simple_history import utils

from .. import services
from ..db import fast_cursors
from .exceptions import PreconditionFailed, PreconditionRequired, error_response

_ETAG_RE = re.compile(r'^\s*(?:W/)?("?)(\d{1,18})\1\s*$')


def etag_for(instance) -> str:
    return f'"{instance.version}"'


def expected_version(request) -> int | None:
    """The version the client says it read: from ``If-Match`` or the body's ``version``.

    Returns None when the client sent ``If-Match: *``. Raises 428 when neither is present,
    400 when the body's version is not an integer, 412 when an If-Match cannot match.
    """
    header = request.headers.get("If-Match")
    body_version = request.data.get("version") if hasattr(request.data, "get") else None
    header_version = None
    if header is not None:
        if header.strip() == "*":
            header_version = "*"
        else:
            match = _ETAG_RE.match(header)
            if not match:
                raise PreconditionFailed()
            header_version = int(match.group(2))
    if body_version is not None:
        if isinstance(body_version, bool) or not isinstance(body_version, int | str):
            raise serializers.ValidationError({"version": [_("版本号必须是整数。 A valid integer is required.")]})
        try:
            body_version = int(body_version)
        except ValueError:
            raise serializers.ValidationError(
                {"version": [_("版本号必须是整数。 A valid integer is required.")]}
            ) from None
    if header_version is None and body_version is None:
        raise PreconditionRequired()
    if header_version not in (None, "*") and body_version is not None and header_version != body_version:
        raise PreconditionFailed()
    if header_version == "*" and body_version is None:
        return None
    return body_version if body_version is not None else header_version


def _union_all(queries):
    return queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]


def many_ids(model, ids: list[int], relations: list[str]) -> dict[tuple[str, int], list[int]]:
    """The ids each of ``relations`` (many-to-many fields of ``model``) holds for each of ``ids``,
    in the order they were added, from ONE statement (written once per model and relations,
    prepared on PostgreSQL, where the ids go as one array)."""
    alias = router.db_for_read(model)
    sql, as_array = _many_ids_sql(model, tuple(relations), alias)
    if as_array:
        params = [list(ids)] * len(relations)
    else:
        sql = sql.replace("{ids}", ", ".join(["%s"] * len(ids)))
        params = list(ids) * len(relations)
    connection = connections[alias]
    with fast_cursors(alias), connection.cursor() as cursor:
        cursor.execute(sql, params)
        links = cursor.fetchall()
    found = defaultdict(list)
    for relation, source_id, target_id, link_id in links:
        found[(relations[relation], source_id)].append((link_id, target_id))
    return {key: [target for _, target in sorted(pairs)] for key, pairs in found.items()}


@lru_cache(maxsize=64)
def _many_ids_sql(model, relations: tuple[str, ...], alias: str) -> tuple[str, bool]:
    """The links of several many-to-many fields as one ``UNION ALL``: each row says which
    relation (its index), the source, the target and the link's id (the order it was added)."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    as_array = connection.vendor == "postgresql"
    parts = []
    for index, name in enumerate(relations):
        field = model._meta.get_field(name)
        through = field.remote_field.through._meta
        source = quote(through.get_field(field.m2m_field_name()).column)
        target = quote(through.get_field(field.m2m_reverse_field_name()).column)
        where = f"{source} = ANY(%s)" if as_array else f"{source} IN ({{ids}})"
        parts.append(
            f"SELECT {index}, {source}, {target}, {quote(through.pk.column)} FROM {quote(through.db_table)} WHERE {where}"
        )
    return " UNION ALL ".join(parts), as_array


def attach_many_ids(objects, fields: dict[str, object]) -> None:
    """Fill the prefetch cache of several many-to-many fields of ``objects`` in one query.

    ``fields`` maps a field name to its ManyToManyField. The related objects are stubs that
    carry only their primary key, which is all the serializers read.
    """
    objects = list(objects)
    if not objects or not fields:
        return
    model = type(objects[0])
    found = many_ids(model, [obj.pk for obj in objects], list(fields))
    for obj in objects:
        cache = obj.__dict__.setdefault("_prefetched_objects_cache", {})
        for name in fields:
            related = model._meta.get_field(name).related_model
            stubs = [related(pk=target_id) for target_id in found.get((name, obj.pk), [])]
            qs = related._default_manager.none()
            qs._result_cache = stubs
            qs._prefetch_done = True
            cache[name] = qs


class ManyIdsMixin:
    """Lists and details serve many-to-many ids from one query (see :func:`attach_many_ids`)."""

    many_id_fields: tuple[str, ...] = ()

    def _attach(self, objects):
        attach_many_ids(objects, dict.fromkeys(self.many_id_fields))
        return objects

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None and getattr(self, "action", None) == "list":
            self._attach(page)
        return page


class PreconditionMixin:
    """PUT, PATCH and DELETE need If-Match or ``version``; the check and write are atomic."""

    def get_locked_object(self):
        """The object the URL names (with the visibility rules), re-read under a row lock."""
        instance = self.get_object()
        try:
            return type(instance)._default_manager.select_for_update().get(pk=instance.pk)
        except ObjectDoesNotExist:
            # Deleted by a writer that held the lock while this one waited for it.
            raise NotFound() from None

    def seen_version(self, instance) -> int:
        """The version the client read (If-Match or the body's ``version``; ``*`` is any): 428
        when it sent neither."""
        expected = expected_version(self.request)
        return instance.version if expected is None else expected

    def check_version(self, instance):
        """Refuse a stale precondition before the body is even validated (the services check it
        again, under the lock, as they write)."""
        services.check_version(instance, self.seen_version(instance))

    def get_written_queryset(self):
        """Where an object is read back after a write (see :meth:`refetched`)."""
        return self.get_queryset()

    def refetched(self, pk):
        """The object as a detail shows it, after a write.

        The write itself may take the object out of the writer's sight (an editor who leaves a
        confidential project's team); the writer still gets the answer to what they wrote.
        """
        obj = self.get_written_queryset().get(pk=pk)
        if self.many_id_fields:
            attach_many_ids([obj], dict.fromkeys(self.many_id_fields))
        return obj

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        if getattr(self, "many_id_fields", ()):
            attach_many_ids([instance], dict.fromkeys(self.many_id_fields))
        serializer = self.get_serializer(instance)
        return Response(serializer.data, headers={"ETag": etag_for(instance)})

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            instance = self.get_locked_object()
            self.check_version(instance)
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            self.perform_update(serializer)
        instance = self.refetched(instance.pk)
        return Response(self.get_serializer(instance).data, headers={"ETag": etag_for(instance)})

    def perform_update(self, serializer):
        serializer.save(seen_version=self.seen_version(serializer.instance))

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            instance = self.get_locked_object()
            services.delete(record=instance, user=self.request.user, seen_version=self.seen_version(instance))
        return Response(status=204)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            self.perform_create(serializer)
        instance = self.refetched(serializer.instance.pk)
        data = self.get_serializer(instance).data
        return Response(data, status=201, headers={"ETag": etag_for(instance), "Location": self._location(instance)})

    def _location(self, instance):
        try:
            return self.request.build_absolute_uri(f"{self.request.path.rstrip('/')}/{instance.pk}/")
        except Exception:  # noqa: BLE001  (a missing Location is harmless; never fail a create for it)
            return ""


class HistoryEntrySerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    history_date = serializers.DateTimeField()
    history_type = serializers.ChoiceField(choices=[("+", "created"), ("~", "changed"), ("-", "deleted")])
    history_user = serializers.IntegerField(allow_null=True)
    history_user_name = serializers.CharField(allow_null=True)
    history_change_reason = serializers.CharField(allow_null=True)
    version = serializers.IntegerField()
    changes = serializers.ListField(child=serializers.DictField())


class HistoryPageSerializer(serializers.Serializer):
    """A page of history, as every list: ``{count, next, previous, results}``."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = HistoryEntrySerializer(many=True)


def historical_many_ids(records, fields: list[str]) -> defaultdict[tuple[str, int], list[int]]:
    """The ids each of ``fields`` held in each history record, from one query for all of them."""
    found = defaultdict(list)
    if not records or not fields:
        return found
    ids = [record.history_id for record in records]
    queries = []
    for name in fields:
        through = getattr(records[0], name).model  # the history of the through table
        target = utils.get_m2m_reverse_field_name(type(records[0]).instance_type._meta.get_field(name))
        queries.append(
            through.objects.filter(history_id__in=ids)
            .annotate(relation=Value(name))
            .values_list("relation", "history_id", f"{target}_id")
        )
    for relation, history_id, target_id in _union_all(queries).order_by():
        found[(relation, history_id)].append(target_id)
    for targets in found.values():
        targets.sort()
    return found


def _plain(value):
    if value is None or isinstance(value, bool | int | str | float):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


class HistoryMixin:
    """``{resource}/{id}/history/``: who changed what and when, newest first, with old and new values."""

    @extend_schema(
        responses={
            200: HistoryPageSerializer,
            401: error_response(401, "Not authenticated"),
            403: error_response(403, "Forbidden for this role"),
            404: error_response(404, "Not found"),
        },
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        filters=False,
    )
    @action(detail=True, methods=["get"], url_path="history", filter_backends=[], pagination_class=None)
    def history(self, request, *args, **kwargs):
        from .pagination import PageNumberPagination

        model = self.get_queryset().model
        pk = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        # One query for the page, its count, the visibility of the record (as in get_object) and
        # the record just older than the page, whose state the page's last diff starts from.
        records = (
            model.history.filter(id=pk)
            .filter(Exists(self.get_queryset().filter(pk=OuterRef("id"))))
            .select_related("history_user")
            .order_by("-history_date", "-history_id")
        )
        paginator = PageNumberPagination()
        paginator.lookahead = 1
        page = paginator.paginate_queryset(records, request, view=self)
        if not page:
            self.get_object()  # 404 unless the record exists for this user and merely has no history
        older = paginator.beyond[0] if paginator.beyond else None
        m2m_fields = [field.name for field in model.history.model._history_m2m_fields]
        m2m_ids = historical_many_ids([*page, *paginator.beyond], m2m_fields)
        entries = []
        chain = [*page, older]
        for record, previous in zip(chain, chain[1:], strict=False):
            changes = []
            if previous is not None:
                delta = record.diff_against(
                    previous, excluded_fields=["version", "updated_at", "search_text", *m2m_fields]
                )
                changes = [{"field": c.field, "old": _plain(c.old), "new": _plain(c.new)} for c in delta.changes]
                for name in m2m_fields:
                    old, new = m2m_ids[(name, previous.history_id)], m2m_ids[(name, record.history_id)]
                    if old != new:
                        changes.append({"field": name, "old": old, "new": new})
                changes.sort(key=lambda change: change["field"])
            entries.append(
                {
                    "history_id": record.history_id,
                    "history_date": record.history_date,
                    "history_type": record.history_type,
                    "history_user": record.history_user_id,
                    "history_user_name": str(record.history_user) if record.history_user_id else None,
                    "history_change_reason": record.history_change_reason,
                    "version": getattr(record, "version", None),
                    "changes": changes,
                }
            )
        return paginator.get_paginated_response(HistoryEntrySerializer(entries, many=True).data)

"""What every resource's viewset shares: preconditions, many-to-many ids and history."""

from __future__ import annotations

import re
from collections import defaultdict

from django.db import transaction
from django.db.models import Value
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from .exceptions import PreconditionFailed, PreconditionRequired

_ETAG_RE = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')


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
            header_version = int(match.group(1))
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


def attach_many_ids(objects, fields: dict[str, object]) -> None:
    """Fill the prefetch cache of several many-to-many fields of ``objects`` in one query.

    ``fields`` maps a field name to its ManyToManyField. The related objects are stubs that
    carry only their primary key, which is all the serializers read.
    """
    objects = list(objects)
    if not objects or not fields:
        return
    model = type(objects[0])
    ids = [obj.pk for obj in objects]
    queries = []
    for name in fields:
        field = model._meta.get_field(name)
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        queries.append(
            through.objects.filter(**{f"{source}_id__in": ids})
            .annotate(relation=Value(name))
            .values_list("relation", f"{source}_id", f"{target}_id", "pk")
        )
    query = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
    found = defaultdict(list)
    for relation, source_id, target_id, link_id in query:
        found[(relation, source_id)].append((link_id, target_id))
    for obj in objects:
        cache = obj.__dict__.setdefault("_prefetched_objects_cache", {})
        for name in fields:
            field = model._meta.get_field(name)
            related = field.related_model
            stubs = [related(pk=target_id) for _, target_id in sorted(found[(name, obj.pk)])]
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
        return type(instance)._default_manager.select_for_update().get(pk=instance.pk)

    def check_version(self, instance):
        expected = expected_version(self.request)
        if expected is not None and expected != instance.version:
            raise PreconditionFailed()

    def refetched(self, pk):
        obj = self.get_queryset().get(pk=pk)
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

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            instance = self.get_locked_object()
            self.check_version(instance)
            self.perform_destroy(instance)
        return Response(status=204)

    def perform_destroy(self, instance):
        instance._history_user = self.request.user
        instance.delete()

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
        responses={200: HistoryEntrySerializer(many=True), 404: OpenApiResponse(description="Not found")},
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        filters=False,
    )
    @action(detail=True, methods=["get"], url_path="history", filter_backends=[], pagination_class=None)
    def history(self, request, *args, **kwargs):
        instance = self.get_object()
        from .pagination import PageNumberPagination

        paginator = PageNumberPagination()
        records = instance.history.select_related("history_user").order_by("-history_date", "-history_id")
        page = paginator.paginate_queryset(records, request, view=self)
        # The record before the page's last one, so its diff can be computed too.
        older = None
        if page:
            older = (
                instance.history.filter(history_date__lte=page[-1].history_date)
                .exclude(history_id__in=[r.history_id for r in page])
                .order_by("-history_date", "-history_id")
                .first()
            )
        entries = []
        chain = [*page, older]
        for record, previous in zip(chain, chain[1:], strict=False):
            changes = []
            if previous is not None:
                delta = record.diff_against(previous, excluded_fields=["version", "updated_at", "search_text"])
                changes = [{"field": c.field, "old": _plain(c.old), "new": _plain(c.new)} for c in delta.changes]
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

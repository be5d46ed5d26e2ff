"""``{resource}/{id}/history/``: who changed what and when, newest first, with old and new values."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Exists, OuterRef, Value
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from simple_history import utils

from .exceptions import error_response
from .lists import PageNumberPagination


def _union_all(queries):
    return queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]


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

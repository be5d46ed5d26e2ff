"""``trips/``: delegations to other cities (出访)."""

from __future__ import annotations

from django_filters import rest_framework as filters

from ...models import Trip
from ..base import TRACKED, CRMSerializer, CRMViewSet, documented
from ..fields import ActiveUserField
from ..lists import Ids, Shape


class TripSerializer(CRMSerializer):
    owner = ActiveUserField(required=False, allow_null=True)

    class Meta:
        model = Trip
        fields = ["title", "destination", "start_date", "end_date", "leader", "members", "purpose", "summary", "owner"]


class TripFilterSet(filters.FilterSet):
    class Meta:
        model = Trip
        fields = {"start_date": ["gte", "lte"], "end_date": ["gte", "lte"], "destination": ["exact"]}


@documented
class TripViewSet(CRMViewSet):
    queryset = Trip.objects.all()
    shape = Shape(Trip, {
        "id": "id",
        "title": "title",
        "destination": "destination",
        "start_date": "start_date",
        "end_date": "end_date",
        "leader": "leader",
        "leader_name": "leader__name",
        "members": Ids("members"),
        "purpose": "purpose",
        "summary": "summary",
        "owner": "owner",
        **TRACKED,
    })  # fmt: skip
    serializer_class = TripSerializer
    filterset_class = TripFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["start_date", "end_date", "title", "id"]

"""``trips/``: delegations to other cities (出访)."""

from __future__ import annotations

from django_filters import rest_framework as filters
from rest_framework import serializers

from ...models import Trip
from ..base import READ_ONLY_BASE, CRMSerializer, CRMViewSet, documented
from ..fields import ActiveUserField


class TripSerializer(CRMSerializer):
    leader_name = serializers.CharField(source="leader.name", read_only=True, default=None, allow_null=True)
    owner = ActiveUserField(required=False, allow_null=True)

    class Meta:
        model = Trip
        fields = [
            "id", "title", "destination", "start_date", "end_date", "leader", "leader_name", "members",
            "purpose", "summary", "owner", *READ_ONLY_BASE[1:],
        ]  # fmt: skip
        read_only_fields = READ_ONLY_BASE


class TripFilterSet(filters.FilterSet):
    class Meta:
        model = Trip
        fields = {"start_date": ["gte", "lte"], "end_date": ["gte", "lte"], "destination": ["exact"]}


@documented(TripSerializer)
class TripViewSet(CRMViewSet):
    queryset = Trip.objects.select_related("leader")
    serializer_class = TripSerializer
    filterset_class = TripFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["start_date", "end_date", "title", "id"]
    many_id_fields = ("members",)

"""``meetings/``: meetings, visits and conferences (会见、推介会)."""

from __future__ import annotations

from django_filters import rest_framework as filters
from rest_framework import serializers

from ...models import Company, Contact, Meeting, Trip, User
from ...models.choices import MeetingKind
from ..base import READ_ONLY_BASE, CRMSerializer, CRMViewSet, documented
from ..fields import ActiveUserField, NameField
from ..filters import IdFilter, exists_in


class MeetingSerializer(CRMSerializer):
    trip_title = serializers.CharField(source="trip.title", read_only=True, default=None, allow_null=True)
    owner = ActiveUserField(required=False, allow_null=True)
    owner_name = NameField(source="owner")

    class Meta:
        model = Meeting
        fields = [
            "id", "title", "kind", "starts_at", "ends_at", "location", "trip", "trip_title", "companies",
            "attendees", "owner", "owner_name", "summary", "outcomes", *READ_ONLY_BASE[1:],
        ]  # fmt: skip
        read_only_fields = READ_ONLY_BASE


class MeetingFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=MeetingKind.choices)
    trip = filters.ModelChoiceFilter(queryset=Trip.objects.all())
    company = IdFilter(queryset=Company.objects.all(), method=exists_in("companies"))
    attendee = IdFilter(queryset=Contact.objects.all(), method=exists_in("attendees"))
    owner = filters.ModelChoiceFilter(queryset=User.objects.all())

    class Meta:
        model = Meeting
        fields = {"starts_at": ["gte", "lte"]}


@documented(MeetingSerializer)
class MeetingViewSet(CRMViewSet):
    queryset = Meeting.objects.select_related("trip", "owner")
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["starts_at", "title", "id"]
    many_id_fields = ("companies", "attendees")

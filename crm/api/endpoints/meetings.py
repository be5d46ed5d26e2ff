"""``meetings/``: meetings, visits and conferences (会见、推介会)."""

from __future__ import annotations

from django_filters import rest_framework as filters

from ...models import Company, Contact, Meeting, Trip, User
from ...models.choices import MeetingKind
from ..base import TRACKED, CRMSerializer, CRMViewSet, documented
from ..fields import ActiveUserField
from ..filters import IdFilter, exists_in
from ..lists import Ids, Label, Shape, UserName


class MeetingSerializer(CRMSerializer):
    owner = ActiveUserField(required=False, allow_null=True)

    class Meta:
        model = Meeting
        fields = [
            "title", "kind", "starts_at", "ends_at", "location", "trip", "companies", "attendees", "owner", "summary",
            "outcomes",
        ]  # fmt: skip


class MeetingFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=MeetingKind.choices)
    trip = filters.ModelChoiceFilter(queryset=Trip.objects.all())
    company = IdFilter(queryset=Company.objects.all(), method=exists_in("companies"))
    attendee = IdFilter(queryset=Contact.objects.all(), method=exists_in("attendees"))
    owner = filters.ModelChoiceFilter(queryset=User.objects.all())

    class Meta:
        model = Meeting
        fields = {"starts_at": ["gte", "lte"]}


@documented
class MeetingViewSet(CRMViewSet):
    queryset = Meeting.objects.all()
    shape = Shape(Meeting, {
        "id": "id",
        "title": "title",
        "kind": "kind",
        "kind_display": Label("kind"),
        "starts_at": "starts_at",
        "ends_at": "ends_at",
        "location": "location",
        "trip": "trip",
        "trip_title": "trip__title",
        "companies": Ids("companies"),
        "attendees": Ids("attendees"),
        "owner": "owner",
        "owner_name": UserName("owner"),
        "summary": "summary",
        "outcomes": "outcomes",
        **TRACKED,
    })  # fmt: skip
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["starts_at", "title", "id"]

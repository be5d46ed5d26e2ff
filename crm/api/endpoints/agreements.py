"""``agreements/``: agreements signed with partners (签约), and the sign action."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from ... import access, services
from ...models import Agreement, Company, Meeting
from ...models.choices import AgreementKind, AgreementStatus
from ..base import (
    TRACKED,
    WRITE_ERRORS,
    CRMSerializer,
    CRMViewSet,
    VersionRequestSerializer,
    documented,
)
from ..fields import VisibleProjectField
from ..filters import IdFilter, exists_in, visible_projects
from ..lists import Ids, Label, Shape


class AgreementSerializer(CRMSerializer):
    project = VisibleProjectField(required=False, allow_null=True)

    class Meta:
        model = Agreement
        fields = ["title", "kind", "companies", "signed_on", "meeting", "project", "amount", "status", "summary"]


class AgreementFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=AgreementKind.choices)
    company = IdFilter(queryset=Company.objects.all(), method=exists_in("companies"))
    status = filters.MultipleChoiceFilter(choices=AgreementStatus.choices, distinct=False)
    meeting = filters.ModelChoiceFilter(queryset=Meeting.objects.all())
    project = filters.ModelChoiceFilter(queryset=visible_projects)

    class Meta:
        model = Agreement
        fields = {"signed_on": ["gte", "lte"], "amount": ["gte", "lte"]}


@documented
class AgreementViewSet(CRMViewSet):
    shape = Shape(Agreement, {
        "id": "id",
        "title": "title",
        "kind": "kind",
        "kind_display": Label("kind"),
        "companies": Ids("companies"),
        "signed_on": "signed_on",
        "meeting": "meeting",
        "meeting_title": "meeting__title",
        "project": "project",
        "project_name": "project__name",
        "amount": "amount",
        "status": "status",
        "status_display": Label("status"),
        "summary": "summary",
        **TRACKED,
    })  # fmt: skip
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["signed_on", "amount", "title", "id"]

    def get_queryset(self):
        return access.visible(self.request.user, Agreement.objects.all())

    @extend_schema(request=VersionRequestSerializer, responses={200: shape.schema(), **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        """Record the agreement as signed (today, or its ``signed_on``); its project moves to 签约."""
        return self.act(lambda agreement: services.agreement_sign(agreement=agreement, user=request.user))

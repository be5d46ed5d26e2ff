"""``agreements/``: agreements signed with partners (签约), and the sign action."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from ... import access, services
from ...models import Agreement, Company, Meeting
from ...models.choices import AgreementKind, AgreementStatus
from ..base import READ_ONLY_BASE, WRITE_ERRORS, CRMSerializer, CRMViewSet, VersionRequestSerializer, documented
from ..fields import VisibleProjectField
from ..filters import IdFilter, exists_in, visible_projects


class AgreementSerializer(CRMSerializer):
    project = VisibleProjectField(required=False, allow_null=True)
    project_name = serializers.CharField(source="project.name", read_only=True, default=None, allow_null=True)
    meeting_title = serializers.CharField(source="meeting.title", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Agreement
        fields = [
            "id", "title", "kind", "companies", "signed_on", "meeting", "meeting_title", "project", "project_name",
            "amount", "status", "summary", *READ_ONLY_BASE[1:],
        ]  # fmt: skip
        read_only_fields = READ_ONLY_BASE


class AgreementFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=AgreementKind.choices)
    company = IdFilter(queryset=Company.objects.all(), method=exists_in("companies"))
    status = filters.MultipleChoiceFilter(choices=AgreementStatus.choices)
    meeting = filters.ModelChoiceFilter(queryset=Meeting.objects.all())
    project = filters.ModelChoiceFilter(queryset=visible_projects)

    class Meta:
        model = Agreement
        fields = {"signed_on": ["gte", "lte"], "amount": ["gte", "lte"]}


@documented(AgreementSerializer)
class AgreementViewSet(CRMViewSet):
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["signed_on", "amount", "title", "id"]
    many_id_fields = ("companies",)

    def get_queryset(self):
        return access.visible(self.request.user, Agreement.objects.all()).select_related("meeting", "project")

    @extend_schema(request=VersionRequestSerializer, responses={200: AgreementSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        """Record the agreement as signed (today, or its ``signed_on``); its project moves to 签约."""
        return self._act(lambda agreement: services.agreement_sign(agreement=agreement, user=request.user))

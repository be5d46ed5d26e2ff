"""``requests/``: what partners ask of the city (企业诉求), and its resolve and decline actions."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from ... import services
from ...models import Company, Meeting, PartnerRequest, User
from ...models.choices import RequestStatus
from ...services import today
from ..base import TRACKED, WRITE_ERRORS, CRMSerializer, CRMViewSet, documented
from ..fields import ActiveUserField
from ..filters import StrictBooleanFilter, filter_overdue
from ..lists import Condition, Label, Shape, UserName


class PartnerRequestSerializer(CRMSerializer):
    assignee = ActiveUserField(required=False, allow_null=True)

    class Meta:
        model = PartnerRequest
        fields = [
            "company", "meeting", "raised_on", "category", "description", "status", "assignee", "due_on",
            "resolved_on", "resolution",
        ]  # fmt: skip


class ResolveRequestSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=10000, help_text="How it was resolved, or why it was declined.")
    resolved_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Default today.")
    version = serializers.IntegerField(required=False, help_text="The version read; a stale one answers 412.")


class PartnerRequestFilterSet(filters.FilterSet):
    company = filters.ModelChoiceFilter(queryset=Company.objects.all())
    status = filters.MultipleChoiceFilter(choices=RequestStatus.choices, distinct=False)
    assignee = filters.ModelChoiceFilter(queryset=User.objects.all())
    meeting = filters.ModelChoiceFilter(queryset=Meeting.objects.all())
    overdue = StrictBooleanFilter(method=filter_overdue)

    class Meta:
        model = PartnerRequest
        fields = {"raised_on": ["gte", "lte"], "due_on": ["gte", "lte"]}


@documented
class PartnerRequestViewSet(CRMViewSet):
    queryset = PartnerRequest.objects.all()
    shape = Shape(PartnerRequest, {
        "id": "id",
        "company": "company",
        "company_name": "company__name",
        "meeting": "meeting",
        "raised_on": "raised_on",
        "category": "category",
        "description": "description",
        "status": "status",
        "status_display": Label("status"),
        "assignee": "assignee",
        "assignee_name": UserName("assignee"),
        "due_on": "due_on",
        "resolved_on": "resolved_on",
        "resolution": "resolution",
        "overdue": Condition(lambda: PartnerRequest.overdue_condition(today())),
        **TRACKED,
    })  # fmt: skip
    serializer_class = PartnerRequestSerializer
    filterset_class = PartnerRequestFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["raised_on", "due_on", "status", "id"]

    @extend_schema(request=ResolveRequestSerializer, responses={200: shape.schema(), **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Close the request as resolved on ``resolved_on`` (today by default), saying how."""
        return self._close(request, RequestStatus.RESOLVED)

    @extend_schema(request=ResolveRequestSerializer, responses={200: shape.schema(), **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Close the request as declined, saying why."""
        return self._close(request, RequestStatus.DECLINED)

    def _close(self, request, status):
        body = ResolveRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.act(
            lambda r: services.request_resolve(
                request=r,
                user=request.user,
                resolution=body.validated_data["resolution"],
                resolved_on=body.validated_data["resolved_on"],
                status=status,
            )
        )

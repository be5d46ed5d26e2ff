"""``projects/``: investment projects through their stages, their stage history and the change-stage action."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from ... import access, services
from ...models import Company, Industry, Project, ProjectStageChange, User
from ...models.choices import ProjectStage
from ...models.projects import amount_field, arrived_capital
from ..base import ERRORS, TRACKED, WRITE_ERRORS, CRMSerializer, CRMViewSet, documented
from ..fields import ActiveUserField, NameField
from ..filters import IdFilter, StrictBooleanFilter, exists_in, filter_industry
from ..lists import Expression, Ids, Label, Shape, UserName


class ProjectSerializer(CRMSerializer):
    owner = ActiveUserField(required=False, allow_null=True)
    stage_reason = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=2000,
        help_text="Why the project is at this stage (kept in the stage history): optional for a move forward, "
        "required for a move back (a correction, managers only).",
    )  # fmt: skip
    stage_changed_on = serializers.DateField(
        required=False, allow_null=True,
        help_text="The date of the current stage. Written with a new project or a change of stage "
        "(default today); never before the latest change, never in the future.",
    )  # fmt: skip

    class Meta:
        model = Project
        fields = [
            "name", "code_name", "is_confidential", "team", "company", "industries", "kind", "total_investment",
            "contracted_investment", "jobs_planned", "location", "stage", "stage_changed_on", "stage_reason", "owner",
            "description",
        ]  # fmt: skip


class StageChangeSerializer(serializers.ModelSerializer):
    changed_by_name = NameField(source="changed_by")

    class Meta:
        model = ProjectStageChange
        fields = [
            "id", "from_stage", "to_stage", "changed_on", "changed_at", "changed_by", "changed_by_name", "reason",
            "is_correction",
        ]  # fmt: skip


class StageChangeRequestSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=ProjectStage.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    changed_on = serializers.DateField(required=False, allow_null=True, default=None)
    version = serializers.IntegerField(required=False, help_text="The version read; a stale one answers 412.")


class ProjectFilterSet(filters.FilterSet):
    stage = filters.MultipleChoiceFilter(choices=ProjectStage.choices, distinct=False)
    company = filters.ModelChoiceFilter(queryset=Company.objects.all())
    industry = IdFilter(queryset=Industry.objects.all(), method=filter_industry)
    owner = filters.ModelChoiceFilter(queryset=User.objects.all())
    location = filters.CharFilter()
    is_confidential = StrictBooleanFilter()
    team_member = IdFilter(queryset=User.objects.all(), method=exists_in("team"))

    class Meta:
        model = Project
        fields = {
            "total_investment": ["gte", "lte"],
            "contracted_investment": ["gte", "lte"],
            "stage_changed_on": ["gte", "lte"],
        }


@documented
class ProjectViewSet(CRMViewSet):
    shape = Shape(Project, {
        "id": "id",
        "name": "name",
        "code_name": "code_name",
        "is_confidential": "is_confidential",
        "team": Ids("team"),
        "company": "company",
        "company_name": "company__name",
        "industries": Ids("industries"),
        "kind": "kind",
        "kind_display": Label("kind"),
        "total_investment": "total_investment",
        "contracted_investment": "contracted_investment",
        "arrived_investment": Expression(arrived_capital(zero=True), amount_field("")),
        "jobs_planned": "jobs_planned",
        "location": "location",
        "stage": "stage",
        "stage_display": Label("stage"),
        "stage_changed_on": "stage_changed_on",
        "owner": "owner",
        "owner_name": UserName("owner"),
        "description": "description",
        **TRACKED,
    })  # fmt: skip
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["name", "total_investment", "stage_changed_on", "created_at", "id"]

    def get_queryset(self):
        return access.visible(self.request.user, Project.objects.all())

    @extend_schema(request=StageChangeRequestSerializer, responses={200: shape.schema(), **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="change-stage")
    def change_stage(self, request, pk=None):
        """Move the project to another stage, with an optional reason and date."""
        body = StageChangeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.act(
            lambda project: services.project_change_stage(
                project=project,
                to_stage=body.validated_data["stage"],
                user=request.user,
                reason=body.validated_data["reason"],
                changed_on=body.validated_data["changed_on"],
            )
        )

    @extend_schema(responses={200: StageChangeSerializer(many=True), **ERRORS}, filters=False)
    @action(detail=True, methods=["get"], url_path="stage-history", filter_backends=[])
    def stage_history(self, request, pk=None):
        """Every stage the project went through: when, who, why."""
        project = self.get_object()
        changes = project.stage_changes.select_related("changed_by").order_by("changed_at", "id")
        page = self.paginate_queryset(changes)
        return self.get_paginated_response(StageChangeSerializer(page, many=True).data)

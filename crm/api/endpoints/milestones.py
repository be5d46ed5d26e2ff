"""``milestones/``: a project's milestones, and the complete and reopen actions."""

from __future__ import annotations

from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from ... import access, services
from ...models import Milestone, User
from ...models.choices import MilestoneKind
from ...services import today
from ..base import (
    TRACKED,
    WRITE_ERRORS,
    CRMSerializer,
    CRMViewSet,
    VersionRequestSerializer,
    documented,
)
from ..fields import ActiveUserField, VisibleProjectField
from ..filters import StrictBooleanFilter, filter_overdue, visible_projects
from ..lists import Condition, Label, Shape, UserName


class MilestoneSerializer(CRMSerializer):
    project = VisibleProjectField()
    assignee = ActiveUserField(required=False, allow_null=True)

    class Meta:
        model = Milestone
        fields = ["project", "title", "kind", "due_on", "done_on", "assignee", "notes"]


class CompleteRequestSerializer(serializers.Serializer):
    done_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Default today.")
    version = serializers.IntegerField(required=False, help_text="The version read; a stale one answers 412.")


class MilestoneFilterSet(filters.FilterSet):
    project = filters.ModelChoiceFilter(queryset=visible_projects)
    kind = filters.ChoiceFilter(choices=MilestoneKind.choices)
    assignee = filters.ModelChoiceFilter(queryset=User.objects.all())
    done = StrictBooleanFilter(field_name="done_on", method="filter_done")
    overdue = StrictBooleanFilter(method=filter_overdue)

    class Meta:
        model = Milestone
        fields = {"due_on": ["gte", "lte"]}

    def filter_done(self, queryset, name, value):
        return queryset.filter(done_on__isnull=not value)


@documented
class MilestoneViewSet(CRMViewSet):
    shape = Shape(Milestone, {
        "id": "id",
        "project": "project",
        "project_name": "project__name",
        "title": "title",
        "kind": "kind",
        "kind_display": Label("kind"),
        "due_on": "due_on",
        "done_on": "done_on",
        "done": Condition(lambda: Q(done_on__isnull=False)),
        "overdue": Condition(lambda: Milestone.overdue_condition(today())),
        "assignee": "assignee",
        "assignee_name": UserName("assignee"),
        "notes": "notes",
        **TRACKED,
    })  # fmt: skip
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["due_on", "done_on", "id"]

    def get_queryset(self):
        return access.visible(self.request.user, Milestone.objects.all())

    @extend_schema(request=CompleteRequestSerializer, responses={200: shape.schema(), **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Mark the milestone reached on ``done_on`` (today by default)."""
        body = CompleteRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.act(
            lambda m: services.milestone_complete(
                milestone=m, user=request.user, done_on=body.validated_data["done_on"]
            )
        )

    @extend_schema(request=VersionRequestSerializer, responses={200: shape.schema(), **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Clear the milestone's completion."""
        return self.act(lambda m: services.milestone_reopen(milestone=m, user=request.user))

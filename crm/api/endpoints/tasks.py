"""``tasks/``: follow-up tasks (跟进事项), and the complete and reopen actions."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from ... import access, services
from ...models import Company, Meeting, Task, User
from ...models.choices import TaskPriority, TaskStatus
from ...services import today
from ..base import TRACKED, WRITE_ERRORS, CRMSerializer, CRMViewSet, VersionRequestSerializer, documented
from ..fields import (
    ActiveUserField,
    VisibleAgreementField,
    VisibleProjectField,
)
from ..filters import StrictBooleanFilter, filter_overdue, visible_agreements, visible_projects
from ..lists import Condition, Label, Shape, UserName


class TaskSerializer(CRMSerializer):
    assignee = ActiveUserField(required=False, allow_null=True)
    project = VisibleProjectField(required=False, allow_null=True)
    agreement = VisibleAgreementField(required=False, allow_null=True)

    class Meta:
        model = Task
        fields = [
            "title", "description", "assignee", "due_on", "priority", "status", "company", "meeting", "agreement",
            "project",
        ]  # fmt: skip


class TaskFilterSet(filters.FilterSet):
    assignee = filters.ModelChoiceFilter(queryset=User.objects.all())
    status = filters.MultipleChoiceFilter(choices=TaskStatus.choices, distinct=False)
    priority = filters.MultipleChoiceFilter(choices=TaskPriority.choices, distinct=False)
    company = filters.ModelChoiceFilter(queryset=Company.objects.all())
    meeting = filters.ModelChoiceFilter(queryset=Meeting.objects.all())
    agreement = filters.ModelChoiceFilter(queryset=visible_agreements)
    project = filters.ModelChoiceFilter(queryset=visible_projects)
    overdue = StrictBooleanFilter(method=filter_overdue)

    class Meta:
        model = Task
        fields = {"due_on": ["gte", "lte"]}


@documented
class TaskViewSet(CRMViewSet):
    shape = Shape(Task, {
        "id": "id",
        "title": "title",
        "description": "description",
        "assignee": "assignee",
        "assignee_name": UserName("assignee"),
        "due_on": "due_on",
        "priority": "priority",
        "priority_display": Label("priority"),
        "status": "status",
        "status_display": Label("status"),
        "company": "company",
        "meeting": "meeting",
        "agreement": "agreement",
        "project": "project",
        "done_at": "done_at",
        "overdue": Condition(lambda: Task.overdue_condition(today())),
        **TRACKED,
    })  # fmt: skip
    serializer_class = TaskSerializer
    filterset_class = TaskFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["due_on", "priority", "status", "id"]

    def get_queryset(self):
        return access.visible(self.request.user, Task.objects.all())

    @extend_schema(request=VersionRequestSerializer, responses={200: shape.schema(), **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Mark the task done now."""
        return self.act(lambda t: services.task_complete(task=t, user=request.user))

    @extend_schema(request=VersionRequestSerializer, responses={200: shape.schema(), **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Open the task again."""
        return self.act(lambda t: services.task_reopen(task=t, user=request.user))

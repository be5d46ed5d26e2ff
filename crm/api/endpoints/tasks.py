"""``tasks/``: follow-up tasks (跟进事项), and the complete and reopen actions."""

from __future__ import annotations

from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from ... import access, services
from ...models import Company, Meeting, Task, User
from ...models.choices import TaskPriority, TaskStatus
from ...services import today
from ..base import READ_ONLY_BASE, WRITE_ERRORS, CRMSerializer, CRMViewSet, VersionRequestSerializer, documented
from ..fields import (
    ActiveUserField,
    ComputedBooleanField,
    NameField,
    VisibleAgreementField,
    VisibleProjectField,
    open_and_past_due,
)
from ..filters import StrictBooleanFilter, visible_agreements, visible_projects


class TaskSerializer(CRMSerializer):
    assignee = ActiveUserField(required=False, allow_null=True)
    assignee_name = NameField(source="assignee")
    project = VisibleProjectField(required=False, allow_null=True)
    agreement = VisibleAgreementField(required=False, allow_null=True)
    overdue = ComputedBooleanField(open_and_past_due, ("status", "due_on"))

    class Meta:
        model = Task
        fields = [
            "id", "title", "description", "assignee", "assignee_name", "due_on", "priority", "status", "company",
            "meeting", "agreement", "project", "done_at", "overdue", *READ_ONLY_BASE[1:],
        ]  # fmt: skip
        read_only_fields = (*READ_ONLY_BASE, "done_at")


class TaskFilterSet(filters.FilterSet):
    assignee = filters.ModelChoiceFilter(queryset=User.objects.all())
    status = filters.MultipleChoiceFilter(choices=TaskStatus.choices)
    priority = filters.MultipleChoiceFilter(choices=TaskPriority.choices)
    company = filters.ModelChoiceFilter(queryset=Company.objects.all())
    meeting = filters.ModelChoiceFilter(queryset=Meeting.objects.all())
    agreement = filters.ModelChoiceFilter(queryset=visible_agreements)
    project = filters.ModelChoiceFilter(queryset=visible_projects)
    overdue = StrictBooleanFilter(method="filter_overdue")

    class Meta:
        model = Task
        fields = {"due_on": ["gte", "lte"]}

    def filter_overdue(self, queryset, name, value):
        late = Q(status__in=[TaskStatus.OPEN, TaskStatus.IN_PROGRESS], due_on__lt=today())
        return queryset.filter(late) if value else queryset.exclude(late)


@documented(TaskSerializer)
class TaskViewSet(CRMViewSet):
    serializer_class = TaskSerializer
    filterset_class = TaskFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["due_on", "priority", "status", "id"]

    def get_queryset(self):
        return access.visible(self.request.user, Task.objects.all()).select_related("assignee")

    @extend_schema(request=VersionRequestSerializer, responses={200: TaskSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Mark the task done now."""
        return self._act(lambda t: services.task_complete(task=t, user=request.user))

    @extend_schema(request=VersionRequestSerializer, responses={200: TaskSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Open the task again."""
        return self._act(lambda t: services.task_reopen(task=t, user=request.user))

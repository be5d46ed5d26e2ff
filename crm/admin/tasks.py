"""Follow-up tasks: their status moves through ``task_set_status`` (reminders are cancelled)."""

from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import services
from ..imports import TaskResource
from ..models import Task
from ..models.choices import TaskStatus
from .base import CRMAdmin, CRMExportMixin, overdue_text
from .filters import TaskOverdueFilter


@admin.register(Task)
class TaskAdmin(CRMExportMixin, CRMAdmin):
    resource_classes = [TaskResource]
    list_display = ["title", "status", "priority", "due_on", "assignee", "project", "company", "meeting", "overdue"]
    list_select_related = ["assignee", "project", "company", "meeting"]
    list_filter = [
        TaskOverdueFilter,
        "status",
        "priority",
        ("assignee", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["search_text", "project__name", "company__name"]
    date_hierarchy = "due_on"
    autocomplete_fields = ["assignee", "company", "meeting", "agreement", "project"]
    readonly_fields = ["done_at"]
    fieldsets = [
        (None, {"fields": ["title", "description", ("status", "priority"), ("due_on", "done_at"), "assignee"]}),
        (_("关联"), {"fields": [("project", "company"), ("meeting", "agreement")]}),
    ]
    actions = ["complete", "reopen"]

    @admin.display(description=_("逾期"))
    def overdue(self, obj):
        if obj.status not in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS) or obj.due_on is None:
            return None
        return overdue_text(obj.due_on, services.today())

    def _set_status(self, request, queryset, status, message):
        count = 0
        with transaction.atomic():
            for task in queryset.exclude(status=status).select_for_update(of=("self",)):
                services.task_set_status(task=task, status=status, user=request.user)
                count += 1
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("标记所选事项为已完成"), permissions=["change"])
    def complete(self, request, queryset):
        self._set_status(request, queryset, TaskStatus.DONE, gettext("%(count)d 个事项已完成。"))

    @admin.action(description=_("重新打开所选事项"), permissions=["change"])
    def reopen(self, request, queryset):
        self._set_status(request, queryset, TaskStatus.OPEN, gettext("%(count)d 个事项已重新打开。"))

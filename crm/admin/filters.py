"""List filters the staff ask for that Django does not have."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models.choices import RequestStatus, TaskStatus


class OverdueFilter(admin.SimpleListFilter):
    """Overdue items (the model's ``overdue_condition``, the API's rule too), or open items not yet due."""

    title = _("是否逾期")
    parameter_name = "overdue"
    open_condition: dict = {}  # what "not done" means for the model

    def lookups(self, request, model_admin):
        return [("1", _("已逾期")), ("0", _("未逾期（未完成）"))]

    def queryset(self, request, queryset):
        late = queryset.model.overdue_condition(services.today())
        if self.value() == "1":
            return queryset.filter(late)
        if self.value() == "0":
            return queryset.filter(**self.open_condition).exclude(late)
        return queryset


class MilestoneOverdueFilter(OverdueFilter):
    open_condition = {"done_on__isnull": True}


class TaskOverdueFilter(OverdueFilter):
    open_condition = {"status__in": [TaskStatus.OPEN, TaskStatus.IN_PROGRESS]}


class RequestOverdueFilter(OverdueFilter):
    open_condition = {"status__in": [RequestStatus.OPEN, RequestStatus.IN_PROGRESS]}


class MilestoneDoneFilter(admin.SimpleListFilter):
    title = _("完成情况")
    parameter_name = "done"

    def lookups(self, request, model_admin):
        return [("1", _("已完成")), ("0", _("未完成"))]

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(done_on__isnull=self.value() == "0")
        return queryset


class OpenStatusFilter(admin.SimpleListFilter):
    """Open (待处理 or 办理中) partner requests, the ones the bureau still owes an answer."""

    title = _("是否办结")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("1", _("未办结")), ("0", _("已办结"))]

    def queryset(self, request, queryset):
        open_statuses = [RequestStatus.OPEN, RequestStatus.IN_PROGRESS]
        if self.value() == "1":
            return queryset.filter(status__in=open_statuses)
        if self.value() == "0":
            return queryset.exclude(status__in=open_statuses)
        return queryset

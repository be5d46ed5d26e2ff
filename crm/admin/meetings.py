"""Delegation trips, the meetings on them, and what partners asked for."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .. import services
from ..imports import MeetingResource, PartnerRequestResource, TripResource
from ..models import Agreement, Meeting, PartnerRequest, Task, Trip
from .attachments import AttachmentInline
from .base import CRMAdmin, CRMExportMixin, LockedInlineMixin, overdue_text
from .filters import OpenStatusFilter, RequestOverdueFilter


class MeetingInline(LockedInlineMixin, admin.TabularInline):
    model = Meeting
    fields = ["title", "kind", "starts_at", "location", "companies"]
    autocomplete_fields = ["companies"]
    extra = 1


@admin.register(Trip)
class TripAdmin(CRMExportMixin, CRMAdmin):
    resource_classes = [TripResource]
    list_display = ["title", "destination", "start_date", "end_date", "leader", "owner"]
    list_select_related = ["leader", "owner"]
    list_filter = ["destination", ("owner", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["search_text", "purpose"]
    date_hierarchy = "start_date"
    autocomplete_fields = ["leader", "members", "owner"]
    inlines = [MeetingInline]
    fields = ["title", "destination", ("start_date", "end_date"), "leader", "members", "owner", "purpose", "summary"]


class AgreementInline(LockedInlineMixin, admin.TabularInline):
    model = Agreement
    fields = ["title", "kind", "companies", "project", "amount", "signed_on", "status"]
    # Signing goes through agreement_sign (the project moves to 签约): from the agreement's page.
    readonly_fields = ["status"]
    autocomplete_fields = ["companies", "project"]


class TaskInline(LockedInlineMixin, admin.TabularInline):
    model = Task
    fk_name = "meeting"
    fields = ["title", "assignee", "due_on", "priority", "status"]
    # Completing goes through task_set_status: from the task list or page.
    readonly_fields = ["status"]
    autocomplete_fields = ["assignee"]
    verbose_name_plural = _("会后跟进事项")


@admin.register(Meeting)
class MeetingAdmin(CRMExportMixin, CRMAdmin):
    resource_classes = [MeetingResource]
    list_display = ["title", "kind", "starts_at", "location", "trip", "owner"]
    list_select_related = ["trip", "owner"]
    list_filter = ["kind", ("trip", admin.RelatedOnlyFieldListFilter), ("owner", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["search_text", "companies__name", "trip__title"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["trip", "companies", "attendees", "owner"]
    inlines = [AgreementInline, TaskInline, AttachmentInline]
    fieldsets = [
        (None, {"fields": ["title", "kind", ("starts_at", "ends_at"), "location", "trip"]}),
        (_("参会"), {"fields": ["companies", "attendees", "owner"]}),
        (_("内容"), {"fields": ["summary", "outcomes"]}),
    ]


@admin.register(PartnerRequest)
class PartnerRequestAdmin(CRMExportMixin, CRMAdmin):
    resource_classes = [PartnerRequestResource]
    list_display = ["short_description", "company", "category", "status", "raised_on", "due_on", "assignee", "overdue"]
    list_select_related = ["company", "assignee"]
    list_filter = [
        OpenStatusFilter,
        RequestOverdueFilter,
        "status",
        "category",
        ("assignee", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["search_text", "company__name"]
    date_hierarchy = "raised_on"
    autocomplete_fields = ["company", "meeting", "assignee"]
    fieldsets = [
        (None, {"fields": ["company", "meeting", ("raised_on", "category"), "description"]}),
        (_("办理"), {"fields": [("status", "assignee"), ("due_on", "resolved_on"), "resolution"]}),
    ]

    @admin.display(description=_("诉求内容"), ordering="description")
    def short_description(self, obj):
        return obj.description if len(obj.description) <= 40 else obj.description[:40] + "…"

    @admin.display(description=_("逾期"))
    def overdue(self, obj):
        if obj.status not in ("open", "in_progress") or obj.due_on is None:
            return None
        return overdue_text(obj.due_on, services.today())

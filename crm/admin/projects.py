"""Projects with their milestones, capital arrivals and stage history."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminDateWidget
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .. import access, services
from ..formatting import format_amount
from ..imports import CapitalArrivalResource, MilestoneResource, ProjectResource
from ..models import CapitalArrival, Milestone, Project, ProjectStageChange
from ..models.choices import ProjectStage
from .attachments import AttachmentInline
from .base import (
    CRMAdmin,
    CRMExportMixin,
    CRMImportExportMixin,
    LockedInlineMixin,
    ReadOnlyAdmin,
    VersionedModelForm,
    amount_column,
    overdue_text,
)
from .filters import MilestoneDoneFilter, MilestoneOverdueFilter

# Inlines -------------------------------------------------------------------------------------------


class MilestoneInline(LockedInlineMixin, admin.TabularInline):
    model = Milestone
    fields = ["title", "kind", "due_on", "assignee", "done_on"]
    # Completion goes through milestone_complete (reminders are cancelled): from the milestone's page.
    readonly_fields = ["done_on"]
    autocomplete_fields = ["assignee"]
    extra = 1


class CapitalArrivalInline(LockedInlineMixin, admin.TabularInline):
    model = CapitalArrival
    fields = ["arrived_on", "amount", "note"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "note":
            kwargs["widget"] = forms.TextInput(attrs={"size": 40})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class StageChangeInline(admin.TabularInline):
    model = ProjectStageChange
    verbose_name_plural = _("阶段变更记录")
    fields = ["changed_on", "from_stage", "to_stage", "reason", "is_correction", "changed_by", "changed_at"]
    readonly_fields = fields
    ordering = ["-changed_at", "-id"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


# Project --------------------------------------------------------------------------------------------


class ProjectForm(VersionedModelForm):
    stage_reason = forms.CharField(
        label=_("阶段变更原因"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("记入阶段变更记录。向前推进时可不填；回退（更正，仅管理员）时必填。"),
    )
    service_fields = ("stage_reason",)


class StageChangeForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("新阶段"), choices=ProjectStage.choices)
    reason = forms.CharField(
        label=_("原因"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("向前推进时可不填；回退（更正，仅管理员）时必填。"),
    )
    changed_on = forms.DateField(
        label=_("变更日期"), required=False, widget=AdminDateWidget, help_text=_("留空为今天。")
    )


@admin.register(Project)
class ProjectAdmin(CRMImportExportMixin, CRMAdmin):
    resource_classes = [ProjectResource]
    form = ProjectForm

    def get_deleted_objects(self, objs, request):
        """A project's stage history goes with it: nobody deletes a move on its own (its admin is
        read-only), so the moves do not count as a permission the user lacks."""
        deleted, counts, lacking, protected = super().get_deleted_objects(objs, request)
        lacking.discard(ProjectStageChange._meta.verbose_name)
        return deleted, counts, lacking, protected

    list_display = [
        "name",
        "code_name",
        "company",
        "stage",
        "total_investment_display",
        "arrived_display",
        "location",
        "owner",
        "is_confidential",
        "stage_changed_on",
    ]
    list_select_related = ["company", "owner"]
    list_filter = [
        "stage",
        "kind",
        "is_confidential",
        ("industries", admin.RelatedOnlyFieldListFilter),
        ("owner", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["search_text", "company__name"]
    search_help_text = _("按项目名称、代号、落户地或投资方查找")
    date_hierarchy = "stage_changed_on"
    autocomplete_fields = ["company", "industries", "team", "owner"]
    readonly_fields = ["stage_changed_on"]
    inlines = [MilestoneInline, CapitalArrivalInline, StageChangeInline, AttachmentInline]
    actions = ["change_stage"]
    fieldsets = [
        (None, {"fields": ["name", "code_name", "company", "kind", "industries", "is_confidential"]}),
        (_("投资"), {"fields": [("total_investment", "contracted_investment"), "jobs_planned", "location"]}),
        (_("阶段"), {"fields": [("stage", "stage_changed_on"), "stage_reason"]}),
        (_("跟进"), {"fields": ["owner", "team", "description"]}),
    ]

    total_investment_display = amount_column("total_investment", _("总投资"))

    @admin.display(description=_("到位资金"), ordering="arrived_total")
    def arrived_display(self, obj):
        return format_amount(obj.arrived_total) or None

    def get_queryset(self, request):
        return super().get_queryset(request).with_arrived("arrived_total")

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else [MilestoneInline, CapitalArrivalInline]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        # A new project starts at a stage, and a read-only page changes none: no reason to ask for.
        if obj is None or not self.has_change_permission(request, obj):
            fieldsets = [
                (name, {**opts, "fields": [f for f in opts["fields"] if f != "stage_reason"]})
                for name, opts in fieldsets
            ]
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        for name in ("total_investment", "contracted_investment"):
            if name in form.base_fields:
                current = format_amount(getattr(obj, name)) if obj is not None else ""
                hint = gettext("单位：元（20亿元填 2000000000）。")
                now = gettext("当前：%(amount)s") % {"amount": current}
                form.base_fields[name].help_text = f"{hint} {now}" if current else hint
        return form

    @admin.action(description=_("变更所选项目的阶段（填写原因）"), permissions=["change"])
    def change_stage(self, request, queryset):
        form = StageChangeForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            moved, refused = 0, []
            for project in queryset:
                try:
                    with transaction.atomic():
                        locked = Project.objects.select_for_update().get(pk=project.pk)
                        services.project_change_stage(
                            project=locked,
                            to_stage=form.cleaned_data["to_stage"],
                            user=request.user,
                            reason=form.cleaned_data["reason"].strip(),
                            changed_on=form.cleaned_data["changed_on"],
                        )
                    moved += 1
                except services.ServiceError as exc:
                    refused.append(f"{project}：{exc.message}")
                except services.ServiceForbidden as exc:
                    refused.append(f"{project}：{exc}")
            if moved:
                self.message_user(
                    request,
                    ngettext("%(count)d 个项目已变更阶段。", "%(count)d 个项目已变更阶段。", moved) % {"count": moved},
                    messages.SUCCESS,
                )
            for line in refused:
                self.message_user(request, gettext("未变更：%(reason)s") % {"reason": line}, messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("变更项目阶段"),
            "opts": self.opts,
            "form": form,
            "projects": queryset.select_related(None),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/crm/project/change_stage.html", context)


# Milestones ------------------------------------------------------------------------------------------


@admin.register(Milestone)
class MilestoneAdmin(CRMImportExportMixin, CRMAdmin):
    resource_classes = [MilestoneResource]
    list_display = ["title", "project", "kind", "due_on", "done_on", "assignee", "status_display"]
    list_select_related = ["project", "assignee"]
    list_filter = [
        MilestoneOverdueFilter,
        MilestoneDoneFilter,
        "kind",
        ("assignee", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["search_text", "project__name"]
    date_hierarchy = "due_on"
    autocomplete_fields = ["project", "assignee"]
    fields = ["project", "title", "kind", ("due_on", "done_on"), "assignee", "notes"]
    actions = ["complete", "reopen"]

    @admin.display(description=_("状态"))
    def status_display(self, obj):
        if obj.done_on:
            return gettext("已完成")
        return overdue_text(obj.due_on, services.today()) or gettext("未到期")

    @admin.action(description=_("标记所选节点为已完成（今天）"), permissions=["change"])
    def complete(self, request, queryset):
        done = 0
        with transaction.atomic():
            for milestone in queryset.filter(done_on__isnull=True).select_for_update(of=("self",)):
                services.milestone_complete(milestone=milestone, user=request.user)
                done += 1
        self.message_user(request, gettext("%(count)d 个节点已标记完成。") % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("重新打开所选节点"), permissions=["change"])
    def reopen(self, request, queryset):
        done = 0
        with transaction.atomic():
            for milestone in queryset.filter(done_on__isnull=False).select_for_update(of=("self",)):
                services.milestone_reopen(milestone=milestone, user=request.user)
                done += 1
        self.message_user(request, gettext("%(count)d 个节点已重新打开。") % {"count": done}, messages.SUCCESS)


@admin.register(CapitalArrival)
class CapitalArrivalAdmin(CRMExportMixin, CRMAdmin):
    resource_classes = [CapitalArrivalResource]
    list_display = ["project", "arrived_on", "amount_display", "note"]
    list_select_related = ["project"]
    search_fields = ["project__name", "note"]
    date_hierarchy = "arrived_on"
    autocomplete_fields = ["project"]
    fields = ["project", ("arrived_on", "amount"), "note"]
    inlines = [AttachmentInline]

    amount_display = amount_column("amount", _("到位金额"))


@admin.register(ProjectStageChange)
class ProjectStageChangeAdmin(ReadOnlyAdmin):
    list_display = ["project", "from_stage", "to_stage", "changed_on", "changed_by", "is_correction", "reason"]
    list_select_related = ["project", "changed_by"]
    list_filter = ["to_stage", "is_correction"]
    search_fields = ["project__name", "reason"]
    date_hierarchy = "changed_on"

    def get_queryset(self, request):
        return access.visible(request.user, super().get_queryset(request))

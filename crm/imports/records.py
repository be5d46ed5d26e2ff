"""Import and export (django-import-export) of the records people keep in spreadsheets.

Columns carry the Chinese labels of the fields (the files are the bureau's own); on import the
field name (``credit_code``) or the English label ("Unified social credit code") is accepted
as well. A file is imported in one transaction: the preview lists every row's errors, and
when any row is invalid nothing is written.

How a row finds the record it updates (so that a re-import updates instead of duplicating):

- company: the unified social credit code when the row has one, else the name;
- contact: the company and the name;
- project: the name, else the code name;
- agreement: the title and the signing date;
- milestone: the project and the title.

A row is written by the services, as the API and the admin write (``services.create`` and
``services.update``): the same rules and messages, the same field rights, the stage history, the
signing, the completion of milestones. A row that changes an existing record carries the
version it was exported with (the 版本 column); a stale or missing version refuses the file with
that row named, as the API answers 412/428. History records name the importing user.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import widgets

from ..models import (
    Agreement,
    CapitalArrival,
    Company,
    Contact,
    Industry,
    Meeting,
    Milestone,
    PartnerRequest,
    Project,
    Task,
    Trip,
)
from ..models.choices import (
    AgreementKind,
    AgreementStatus,
    CompanyKind,
    MeetingKind,
    MilestoneKind,
    ProjectKind,
    ProjectStage,
    RequestStatus,
    TaskPriority,
    TaskStatus,
)
from ..models.validators import normalize_credit_code
from .base import CRMResource, _one, _row_text
from .widgets import (
    AmountWidget,
    ChoiceWidget,
    CompanyWidget,
    CountryWidget,
    CreditCodeWidget,
    DateWidget,
    IndustryWidget,
    IntegerWidget,
    MeetingWidget,
    NamesWidget,
    ProjectWidget,
    UserWidget,
    YesNoWidget,
    column,
)

# Resources ----------------------------------------------------------------------------------------


class IndustryResource(CRMResource):
    name = column("name", "名称")
    name_en = column("name_en", "英文名称")
    code = column("code", "代码")
    parent = column("parent", "上级产业", IndustryWidget())

    class Meta:
        model = Industry
        fields = ("code", "name", "name_en", "parent", "version")
        import_id_fields = ("code",)


class CompanyResource(CRMResource):
    name = column("name", "名称")
    short_name = column("short_name", "简称")
    name_en = column("name_en", "英文名称")
    kind = column("kind", "类型", ChoiceWidget(CompanyKind), default=CompanyKind.ENTERPRISE)
    credit_code = column("credit_code", "统一社会信用代码", CreditCodeWidget())
    parent = column("parent", "所属集团", CompanyWidget())
    industries = column("industries", "产业", NamesWidget(Industry, ["name", "code"], gettext_lazy("产业")))
    city = column("city", "城市")
    province = column("province", "省份")
    country = column("country", "国家/地区", CountryWidget(), default="CN")
    fortune500_rank = column("fortune500_rank", "世界500强排名", IntegerWidget())
    is_listed = column("is_listed", "上市公司", YesNoWidget())
    is_local_origin = column("is_local_origin", "本地走出去企业", YesNoWidget())
    is_home_side = column("is_home_side", "我方单位", YesNoWidget())
    website = column("website", "网站")
    description = column("description", "简介")
    owner = column("owner", "负责人", UserWidget())

    export_select_related = ("parent", "owner")
    export_prefetch_related = ("industries",)

    class Meta:
        model = Company
        fields = (
            "name",
            "short_name",
            "name_en",
            "kind",
            "credit_code",
            "parent",
            "industries",
            "city",
            "province",
            "country",
            "fortune500_rank",
            "is_listed",
            "is_local_origin",
            "is_home_side",
            "website",
            "description",
            "owner",
            "version",
        )
        import_id_fields = ("name",)

    def get_instance(self, instance_loader, row):
        """By credit code when the row has one (a known firm without a code gets it), else by name."""
        name = _row_text(row, "名称")
        code = normalize_credit_code(_row_text(row, "统一社会信用代码"))
        queryset = self.get_queryset()
        if code:
            return queryset.filter(credit_code=code).first() or _one(
                queryset.filter(name=name, credit_code=""),
                _("名称「%(name)s」对应多家合作方。") % {"name": name},
            )
        return _one(
            queryset.filter(name=name),
            _("名称「%(name)s」对应多家合作方，请填写统一社会信用代码以区分。") % {"name": name},
        )


class ContactResource(CRMResource):
    company = column("company", "所在单位", CompanyWidget())
    name = column("name", "姓名")
    name_en = column("name_en", "英文名")
    title = column("title", "职务")
    phone = column("phone", "电话")
    email = column("email", "邮箱")
    notes = column("notes", "备注")

    export_select_related = ("company",)

    class Meta:
        model = Contact
        fields = ("company", "name", "name_en", "title", "phone", "email", "notes", "version")
        import_id_fields = ("company", "name")

    def get_instance(self, instance_loader, row):
        try:
            company = self.fields["company"].clean(row)
        except ValueError as exc:
            raise ValidationError({"company": str(exc)}) from None
        if company is None:
            return None
        name = _row_text(row, "姓名")
        return _one(
            self.get_queryset().filter(company=company, name=name),
            _("「%(company)s」有多位联系人名为「%(name)s」。") % {"company": company, "name": name},
        )


class ProjectResource(CRMResource):
    name = column("name", "项目名称")
    code_name = column("code_name", "项目代号")
    is_confidential = column("is_confidential", "保密项目", YesNoWidget())
    company = column("company", "投资方", CompanyWidget())
    industries = column("industries", "产业", NamesWidget(Industry, ["name", "code"], gettext_lazy("产业")))
    kind = column("kind", "项目类型", ChoiceWidget(ProjectKind), default=ProjectKind.INDUSTRIAL)
    total_investment = column("total_investment", "总投资（元）", AmountWidget())
    contracted_investment = column("contracted_investment", "合同投资（元）", AmountWidget())
    jobs_planned = column("jobs_planned", "计划就业人数", IntegerWidget())
    location = column("location", "落户地")
    stage = column("stage", "阶段", ChoiceWidget(ProjectStage), default=ProjectStage.LEAD)
    stage_changed_on = column("stage_changed_on", "阶段变更日期", DateWidget())
    stage_reason = column("stage_reason", "阶段变更原因")
    owner = column("owner", "负责人", UserWidget())
    description = column("description", "项目简介")

    export_select_related = ("company", "owner")
    export_prefetch_related = ("industries",)

    class Meta:
        model = Project
        fields = (
            "name",
            "code_name",
            "is_confidential",
            "company",
            "industries",
            "kind",
            "total_investment",
            "contracted_investment",
            "jobs_planned",
            "location",
            "stage",
            "stage_changed_on",
            "stage_reason",
            "owner",
            "description",
            "version",
        )
        import_id_fields = ("name",)

    def dehydrate_stage_reason(self, project):
        """Only an import fills it in: the reason of the stage the row moves the project to."""
        return ""

    def get_instance(self, instance_loader, row):
        name, code_name = _row_text(row, "项目名称"), _row_text(row, "项目代号")
        queryset = self.get_queryset()
        found = _one(queryset.filter(name=name), _("有多个项目名为「%(name)s」。") % {"name": name})
        if found is None and code_name:
            found = _one(
                queryset.filter(code_name=code_name), _("有多个项目代号为「%(name)s」。") % {"name": code_name}
            )
        return found


class AgreementResource(CRMResource):
    title = column("title", "协议名称")
    signed_on = column("signed_on", "签约日期", DateWidget())
    kind = column("kind", "协议类型", ChoiceWidget(AgreementKind), default=AgreementKind.INVESTMENT)
    companies = column(
        "companies", "签约各方", NamesWidget(Company, ["name", "short_name", "credit_code"], gettext_lazy("合作方"))
    )
    project = column("project", "涉及项目", ProjectWidget())
    meeting = column("meeting", "签约场合", MeetingWidget())
    amount = column("amount", "协议金额（元）", AmountWidget())
    status = column("status", "状态", ChoiceWidget(AgreementStatus), default=AgreementStatus.DRAFT)
    summary = column("summary", "主要内容")

    export_select_related = ("project", "meeting")
    export_prefetch_related = ("companies",)

    class Meta:
        model = Agreement
        fields = (
            "title",
            "signed_on",
            "kind",
            "companies",
            "project",
            "meeting",
            "amount",
            "status",
            "summary",
            "version",
        )
        import_id_fields = ("title", "signed_on")

    def get_instance(self, instance_loader, row):
        title = _row_text(row, "协议名称")
        try:
            signed_on = self.fields["signed_on"].clean(row)
        except ValueError as exc:
            raise ValidationError({"signed_on": str(exc)}) from None
        return _one(
            self.get_queryset().filter(title=title, signed_on=signed_on),
            _("有多份协议名为「%(title)s」且签约日期相同。") % {"title": title},
        )


class MilestoneResource(CRMResource):
    project = column("project", "项目", ProjectWidget())
    title = column("title", "名称")
    kind = column("kind", "类型", ChoiceWidget(MilestoneKind), default=MilestoneKind.OTHER)
    due_on = column("due_on", "计划日期", DateWidget())
    done_on = column("done_on", "完成日期", DateWidget())
    assignee = column("assignee", "经办人", UserWidget())
    notes = column("notes", "备注")

    export_select_related = ("project", "assignee")

    class Meta:
        model = Milestone
        fields = ("project", "title", "kind", "due_on", "done_on", "assignee", "notes", "version")
        import_id_fields = ("project", "title")

    def get_instance(self, instance_loader, row):
        try:
            project = self.fields["project"].clean(row)
        except ValueError as exc:
            raise ValidationError({"project": str(exc)}) from None
        if project is None:
            return None
        title = _row_text(row, "名称")
        return _one(
            self.get_queryset().filter(project=project, title=title),
            _("项目「%(project)s」有多个名为「%(title)s」的节点。") % {"project": project, "title": title},
        )


# Export only ----------------------------------------------------------------------------------------


class TripResource(CRMResource):
    title = column("title", "名称")
    destination = column("destination", "目的地")
    start_date = column("start_date", "出发日期", DateWidget())
    end_date = column("end_date", "返回日期", DateWidget())
    leader = column("leader", "带队领导")
    purpose = column("purpose", "目的")
    summary = column("summary", "总结")

    export_select_related = ("leader",)

    class Meta:
        model = Trip
        fields = ("title", "destination", "start_date", "end_date", "leader", "purpose", "summary", "version")


class MeetingResource(CRMResource):
    title = column("title", "标题")
    kind = column("kind", "形式", ChoiceWidget(MeetingKind))
    starts_at = column("starts_at", "开始时间", widgets.DateTimeWidget(format="%Y-%m-%d %H:%M"))
    location = column("location", "地点")
    trip = column("trip", "所属出访")
    companies = column("companies", "参会单位", NamesWidget(Company, ["name"], gettext_lazy("合作方")))
    summary = column("summary", "纪要")
    outcomes = column("outcomes", "成果")

    export_select_related = ("trip",)
    export_prefetch_related = ("companies",)

    class Meta:
        model = Meeting
        fields = ("title", "kind", "starts_at", "location", "trip", "companies", "summary", "outcomes", "version")


class PartnerRequestResource(CRMResource):
    company = column("company", "企业", CompanyWidget())
    raised_on = column("raised_on", "提出日期", DateWidget())
    category = column("category", "类别")
    description = column("description", "诉求内容")
    status = column("status", "状态", ChoiceWidget(RequestStatus))
    assignee = column("assignee", "经办人", UserWidget())
    due_on = column("due_on", "办结期限", DateWidget())
    resolved_on = column("resolved_on", "办结日期", DateWidget())
    resolution = column("resolution", "办理结果")

    export_select_related = ("company", "assignee")

    class Meta:
        model = PartnerRequest
        fields = (
            "company",
            "raised_on",
            "category",
            "description",
            "status",
            "assignee",
            "due_on",
            "resolved_on",
            "resolution",
            "version",
        )


class TaskResource(CRMResource):
    title = column("title", "事项")
    status = column("status", "状态", ChoiceWidget(TaskStatus))
    priority = column("priority", "优先级", ChoiceWidget(TaskPriority))
    due_on = column("due_on", "截止日期", DateWidget())
    assignee = column("assignee", "经办人", UserWidget())
    project = column("project", "相关项目", ProjectWidget())
    company = column("company", "相关企业", CompanyWidget())
    description = column("description", "说明")

    export_select_related = ("assignee", "project", "company")

    class Meta:
        model = Task
        fields = ("title", "status", "priority", "due_on", "assignee", "project", "company", "description", "version")


class CapitalArrivalResource(CRMResource):
    project = column("project", "项目", ProjectWidget())
    amount = column("amount", "到位金额（元）", AmountWidget())
    arrived_on = column("arrived_on", "到位日期", DateWidget())
    note = column("note", "说明")

    export_select_related = ("project",)

    class Meta:
        model = CapitalArrival
        fields = ("project", "amount", "arrived_on", "note", "version")

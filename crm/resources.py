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

import copy
import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from . import access, services
from .models import (
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
    User,
)
from .models.choices import (
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
from .models.validators import CREDIT_CODE_ALPHABET, NUL_NOT_ALLOWED, normalize_credit_code
from .services.common import differs

# Cell values --------------------------------------------------------------------------------------


def cell_text(value) -> str:
    """A cell as text: ``None`` is empty, 13800000000.0 from a spreadsheet is 13800000000."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class TextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if "\x00" in text:
            raise ValueError(str(NUL_NOT_ALLOWED))
        return text

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class CreditCodeWidget(TextWidget):
    """People paste codes with spaces and in lower case; the model's validator checks the rest."""

    def clean(self, value, row=None, **kwargs):
        return normalize_credit_code(cell_text(value))


class CountryWidget(TextWidget):
    """Country codes as the API takes them: ``cn`` is CN; the model's validator refuses 中国."""

    def clean(self, value, row=None, **kwargs):
        return super().clean(value, row, **kwargs).upper()


class YesNoWidget(widgets.Widget):
    """是/否 in the files; 1/0, Y/N, true/false and ✓ are understood too. Empty means no."""

    YES = {"是", "1", "y", "yes", "true", "✓", "√", "x"}
    NO = {"否", "0", "n", "no", "false", ""}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = cell_text(value).casefold()
        if text in self.YES:
            return True
        if text in self.NO:
            return False
        raise ValueError(_("「%(value)s」应为“是”或“否”。") % {"value": cell_text(value)})

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


class ChoiceWidget(widgets.Widget):
    """A choice by its Chinese label (as exported), its English label or its code."""

    def __init__(self, choices, **kwargs):
        self.choices = choices
        super().__init__(**kwargs)

    def _lookup(self) -> dict[str, str]:
        names = {}
        for language in ("en", "zh-hans"):
            with translation.override(language):
                for value, label in self.choices.choices:
                    names[str(label).casefold()] = value
        for value in self.choices.values:
            names[value.casefold()] = value
        return names

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        found = self._lookup().get(text.casefold())
        if found is None:
            with translation.override("zh-hans"):
                allowed = "、".join(str(label) for label in self.choices.labels)
            raise ValueError(
                _("「%(value)s」不是可选的值（可选：%(allowed)s）。") % {"value": text, "allowed": allowed}
            )
        return found

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        with translation.override("zh-hans"):
            return str(self.choices(value).label)


AMOUNT_UNITS = {"亿元": Decimal(10**8), "亿": Decimal(10**8), "万元": Decimal(10**4), "万": Decimal(10**4), "元": 1}


class AmountWidget(widgets.Widget):
    """Yuan; "20亿", "3,500万" and "1.2亿元" are read as people write them."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return Decimal(str(value)).quantize(Decimal("0.01"))
        text = re.sub(r"[\s,，]", "", cell_text(value))
        if not text:
            return None
        factor = Decimal(1)
        for unit, unit_factor in AMOUNT_UNITS.items():
            if text.endswith(unit):
                text, factor = text[: -len(unit)], Decimal(unit_factor)
                break
        try:
            return (Decimal(text) * factor).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise ValueError(
                _("「%(value)s」不是有效的金额（以元为单位，或写作“20亿”“3500万”）。") % {"value": cell_text(value)}
            ) from None

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else str(value)


class IntegerWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = re.sub(r"[\s,，]", "", cell_text(value))
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or number != number.to_integral_value() or abs(number) > 10**12:
            raise ValueError(_("「%(value)s」不是整数。") % {"value": cell_text(value)})
        return int(number)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else str(value)


DATE_PATTERN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


class DateWidget(widgets.Widget):
    """2024-10-22, 2024/10/22, 2024.10.22 or 2024年10月22日; a spreadsheet's own date cells too."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = cell_text(value)
        if not text:
            return None
        text = text.split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2} \d", text) else text
        match = DATE_PATTERN.match(text)
        try:
            if match is None:
                raise ValueError
            return dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            raise ValueError(_("「%(value)s」不是有效的日期（例如 2024-10-22）。") % {"value": text}) from None

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else value.isoformat()


class RelatedWidget(widgets.Widget):
    """A related record by what people call it; ``user`` is set by the resource (visibility)."""

    user = None
    noun = ""

    def queryset(self):
        raise NotImplementedError

    def candidates(self, text: str):
        raise NotImplementedError

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        found = list(self.candidates(text)[:2])
        if not found:
            raise ValueError(_("找不到%(noun)s「%(value)s」。") % {"noun": self.noun, "value": text})
        if len(found) > 1:
            raise ValueError(
                _("「%(value)s」对应多条%(noun)s记录，请写得更具体。") % {"noun": self.noun, "value": text}
            )
        return found[0]

    def label(self, obj) -> str:
        return str(obj)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else self.label(value)


def looks_like_credit_code(text: str) -> bool:
    code = normalize_credit_code(text)
    return len(code) == 18 and all(ch in CREDIT_CODE_ALPHABET for ch in code)


class CompanyWidget(RelatedWidget):
    """A partner by its credit code, its name or its short name."""

    noun = gettext_lazy("合作方")

    def candidates(self, text):
        if looks_like_credit_code(text):
            return Company.objects.filter(credit_code=normalize_credit_code(text))
        by_name = Company.objects.filter(name=text)
        return by_name if by_name.exists() else Company.objects.filter(short_name=text)

    def label(self, obj):
        return obj.name


class ProjectWidget(RelatedWidget):
    """A project by its name or code name, among those the importing user may see."""

    noun = gettext_lazy("项目")

    def candidates(self, text):
        visible = access.visible(self.user, Project.objects.all()) if self.user is not None else Project.objects.all()
        by_name = visible.filter(name=text)
        return by_name if by_name.exists() else visible.filter(code_name=text)

    def label(self, obj):
        return obj.name


class UserWidget(RelatedWidget):
    """A member of staff by user name or full name."""

    noun = gettext_lazy("用户")

    def candidates(self, text):
        by_username = User.objects.filter(username=text)
        return by_username if by_username.exists() else User.objects.filter(full_name=text)

    def label(self, obj):
        return obj.username


class IndustryWidget(RelatedWidget):
    noun = gettext_lazy("产业")

    def candidates(self, text):
        by_code = Industry.objects.filter(code=text)
        return by_code if by_code.exists() else Industry.objects.filter(name=text)

    def label(self, obj):
        return obj.code


class MeetingWidget(RelatedWidget):
    noun = gettext_lazy("会见活动")

    def candidates(self, text):
        return Meeting.objects.filter(title=text)

    def label(self, obj):
        return obj.title


class NamesWidget(widgets.ManyToManyWidget):
    """Several records in one cell, separated by 、 , ， ; or ；."""

    SEPARATORS = re.compile(r"[、,，;；\n]+")

    def __init__(self, model, lookups, noun, **kwargs):
        super().__init__(model, separator="、", field=lookups[0], **kwargs)
        self.lookups = lookups
        self.noun = noun

    def clean(self, value, row=None, **kwargs):
        names = [name.strip() for name in self.SEPARATORS.split(cell_text(value)) if name.strip()]
        if not names:
            return self.model.objects.none()
        condition = Q()
        for lookup in self.lookups:
            condition |= Q(**{f"{lookup}__in": names})
        found = list(self.model.objects.filter(condition))
        known = {str(getattr(obj, lookup)) for obj in found for lookup in self.lookups}
        missing = [name for name in names if name not in known]
        if missing:
            raise ValueError(_("找不到%(noun)s：%(names)s。") % {"noun": self.noun, "names": "、".join(missing)})
        return self.model.objects.filter(pk__in=[obj.pk for obj in found])

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "、".join(str(getattr(item, self.field)) for item in value.all())


def column(attribute: str, name: str, widget=None, **kwargs) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=name, widget=widget or TextWidget(), **kwargs)


# Resources ----------------------------------------------------------------------------------------


STALE_ROW = gettext_lazy(
    "此行导出时的版本为 %(seen)s，记录现已是第 %(current)s 版（导出后已被修改）：请重新导出后再修改。"
    " The row was exported at version %(seen)s; the record is now at version %(current)s: export it again."
)
VERSION_NEEDED = gettext_lazy(
    "修改已有记录的行须带「版本」列（导出文件中有）。"
    " A row that changes an existing record needs its version (the “版本” column of the export)."
)


class CRMResource(resources.ModelResource):
    """Chinese columns, all-or-nothing imports, every row written by the services."""

    # The version a row was exported with: read on import to refuse stale rows, never written.
    version = fields.Field(attribute="version", column_name="版本", widget=IntegerWidget(), readonly=True)

    export_select_related: tuple[str, ...] = ()
    export_prefetch_related: tuple[str, ...] = ()

    def __init__(self, user=None, max_rows=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.max_rows = max_rows  # the admin's IMPORT_MAX_ROWS; None (scripts, the benchmark): any
        for field in self.fields.values():
            if isinstance(field.widget, RelatedWidget):
                field.widget.user = user

    class Meta:
        use_transactions = True
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    @classmethod
    def get_display_name(cls):
        return str(cls._meta.model._meta.verbose_name)

    def get_queryset(self):
        queryset = super().get_queryset()
        return access.visible(self.user, queryset) if self.user is not None else queryset

    # Import ------------------------------------------------------------------------------

    def _header_aliases(self) -> dict[str, str]:
        """Field names and English labels of the columns, each mapped to the Chinese column."""
        aliases = {}
        model_fields = {f.name: f for f in self._meta.model._meta.get_fields()}
        for field in self.fields.values():
            names = {field.column_name, field.attribute}
            model_field = model_fields.get(field.attribute)
            if model_field is not None and hasattr(model_field, "verbose_name"):
                with translation.override("en"):
                    names.add(str(model_field.verbose_name))
            for name in names:
                aliases[name.strip().casefold()] = field.column_name
        return aliases

    def before_import(self, dataset, **kwargs):
        aliases = self._header_aliases()
        dataset.headers = [
            aliases.get(cell_text(header).rstrip("*").strip().casefold(), cell_text(header))
            for header in dataset.headers or []
        ]
        # Wholly empty lines at the end of a spreadsheet are not rows.
        for index in reversed(range(len(dataset))):
            if all(cell_text(value) == "" for value in dataset[index]):
                del dataset[index]
        if self.max_rows is not None and len(dataset) > self.max_rows:
            raise ValueError(
                _(
                    "文件有 %(rows)s 行，一次最多导入 %(max)s 行，请拆分后分批导入。"
                    " The file has %(rows)s rows; at most %(max)s can be imported at once: split it."
                )
                % {"rows": len(dataset), "max": self.max_rows}
            )
        super().before_import(dataset, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        # Many-to-many columns are read only after the save; check them now, with the others.
        for field in self._many_columns(row):
            try:
                field.clean(row, **kwargs)
            except ValueError as exc:
                errors[field.attribute] = ValidationError(str(exc), code="invalid")
        if errors:
            raise ValidationError(errors)

    def _many_columns(self, row) -> list:
        return [
            field
            for field in self.get_import_fields()
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row
        ]

    def row_values(self, instance, row) -> dict:
        """What the row says, field by field: the columns present in the file, as the services
        take them (references as records, many-to-many fields as lists)."""
        values = {}
        for field in self.get_import_fields():
            if field.readonly or not field.attribute or field.column_name not in row:
                continue
            if isinstance(field.widget, widgets.ManyToManyWidget):
                values[field.attribute] = list(field.clean(row))
            else:
                values[field.attribute] = getattr(instance, field.attribute, None)
        return values

    def changes(self, original, instance, row) -> dict:
        """The row's values that differ from the stored record ``original``; a column that is not
        stored (a stage's reason) counts when it is filled in."""
        stored = {field.name for field in type(original)._meta.get_fields()}
        return {
            name: value
            for name, value in self.row_values(instance, row).items()
            if (differs(original, name, value) if name in stored else value not in (None, ""))
        }

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """A row that changes nothing of its record is skipped (whatever version it carries)."""
        if import_validation_errors or original is None or original.pk is None:
            return False
        return not self.changes(original, instance, row)

    def after_init_instance(self, instance, new, row, **kwargs):
        # The record as stored, before the row's values are set on ``instance``.
        self.current_original = None if new else copy.deepcopy(instance)

    def seen_version(self, row) -> int | None:
        try:
            return self.fields["version"].widget.clean(row.get(self.fields["version"].column_name))
        except ValueError as exc:
            raise ValidationError({"version": str(exc)}) from None

    def save_instance(self, instance, is_create, row, **kwargs):
        """Write the row through the services; their refusals become the row's errors."""
        reason = _("导入")
        try:
            if is_create:
                saved = services.create(
                    model=type(instance), user=self.user, values=self.row_values(instance, row), reason=reason
                )
            else:
                original = self.current_original
                saved = services.update(
                    record=original,
                    user=self.user,
                    values=self.changes(original, instance, row),
                    seen_version=self.seen_version(row),
                    reason=reason,
                )
        except (services.ServiceError, services.ServiceForbidden) as exc:
            raise ValidationError({exc.field or NON_FIELD_ERRORS: [exc.message]}) from None
        except services.StaleVersion as exc:
            raise ValidationError({"version": [STALE_ROW % {"seen": exc.seen, "current": exc.current}]}) from None
        except services.VersionRequired:
            raise ValidationError({"version": [str(VERSION_NEEDED)]}) from None
        # The preview and the row's result show the record as saved.
        instance.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        instance._state.adding = False

    def save_m2m(self, instance, row, **kwargs):
        """Many-to-many fields were written with the rest of the row, by the services."""

    # Export ------------------------------------------------------------------------------

    def export(self, queryset=None, **kwargs):
        if queryset is None:
            queryset = self.get_queryset()
        queryset = queryset.select_related(*self.export_select_related).prefetch_related(*self.export_prefetch_related)
        return super().export(queryset=queryset, **kwargs)


def _row_text(row, column_name: str) -> str:
    return cell_text(row.get(column_name))


def _one(queryset, message: str):
    found = list(queryset[:2])
    if len(found) > 1:
        raise ValidationError(message, code="ambiguous")
    return found[0] if found else None


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

"""Serializers of the v1 contract: ids on write, ids plus display names on read."""

from __future__ import annotations

from functools import lru_cache

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import access, services
from ..auth import ROLE_COLUMNS, roles_from
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
    ProjectStageChange,
    Task,
    Trip,
    User,
)
from ..models.choices import ProjectStage, TaskStatus
from ..models.validators import normalize_credit_code, validate_country_code


class StrictDateTimeField(serializers.DateTimeField):
    """A datetime must say its offset: a naive one is ambiguous, so it is refused.

    And it must fall in 1901–2999: before 1901 Asia/Shanghai had local mean time (+08:05:43), an
    offset ISO 8601 cannot write, so such a value could be stored but never read back as valid.
    """

    default_error_messages = {
        "naive": _("时间须带时区偏移，例如 2024-10-22T09:30:00+08:00。 A datetime must include its UTC offset."),
        "out_of_range": _("时间须在 1901 年至 2999 年之间。 A datetime must be between the years 1901 and 2999."),
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        if not 1901 <= value.year <= 2999:
            self.fail("out_of_range")
        value = super().enforce_timezone(value)
        if not 1901 <= value.year <= 2999:
            self.fail("out_of_range")
        return value


@extend_schema_field({"type": "string", "nullable": True, "readOnly": True})
class NameField(serializers.ReadOnlyField):
    """The display name of a referenced record (``str()``), or null."""

    def to_representation(self, value):
        return str(value)


@lru_cache(maxsize=512)
def choice_labels(model_field, language: str) -> dict:
    return {value: str(label) for value, label in model_field.flatchoices}


class ChoiceDisplayField(serializers.CharField):
    """What ``get_<field>_display()`` answers, with the labels translated once per language rather
    than once per row (a list of 200 rows called it, and gettext, thousands of times)."""

    def __init__(self, model_field, **kwargs):
        self.model_field = model_field
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return getattr(instance, self.model_field.attname)

    def to_representation(self, value):
        return choice_labels(self.model_field, get_language() or "").get(value, str(value))


class ComputedField(serializers.ReadOnlyField):
    """A read-only value computed from some of the record's own columns.

    ``compute`` takes the values of ``columns`` (model fields or queryset annotations), so that
    the same rule writes a detail (from the instance) and a list (from a row, crm/api/rows.py).
    """

    def __init__(self, compute, columns, **kwargs):
        self.compute, self.columns = compute, tuple(columns)
        super().__init__(source="*", **kwargs)

    def to_representation(self, value):
        return self.compute(*(getattr(value, column) for column in self.columns))


@extend_schema_field(OpenApiTypes.BOOL)
class ComputedBooleanField(ComputedField):
    pass


@extend_schema_field(OpenApiTypes.STR)
class ComputedCharField(ComputedField):
    pass


def _open_and_past_due(status, due_on) -> bool:
    """``overdue`` of a task or a partner request: their two open statuses have the same values."""
    return status in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS) and bool(due_on and due_on < services.today())


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id is an integer (or a string of digits): 1.5, true or "1e3" are refused, not rounded."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not (isinstance(data, int) or (isinstance(data, str) and data.isdigit())):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class CountryField(serializers.CharField):
    """An ISO 3166 alpha-2 code, written in capitals whatever the case it came in."""

    def __init__(self, **kwargs):
        super().__init__(validators=[validate_country_code], **kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(data).upper()


class ActiveUserField(StrictPrimaryKeyRelatedField):
    def get_queryset(self):
        return User.objects.filter(is_active=True)


class VisibleProjectField(StrictPrimaryKeyRelatedField):
    """A project reference; a confidential project the user may not see does not exist for them."""

    def get_queryset(self):
        request = self.context.get("request")
        return access.visible(request.user, Project.objects.all()) if request else Project.objects.none()


class VisibleAgreementField(StrictPrimaryKeyRelatedField):
    def get_queryset(self):
        request = self.context.get("request")
        return access.visible(request.user, Agreement.objects.all()) if request else Agreement.objects.none()


class CRMSerializer(serializers.ModelSerializer):
    """Adds ``<field>_display`` beside every choice field and names who wrote in the history."""

    serializer_related_field = StrictPrimaryKeyRelatedField
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: StrictDateTimeField,
    }

    def get_fields(self):
        fields = super().get_fields()
        for name in list(fields):
            try:
                model_field = self.Meta.model._meta.get_field(name)
            except Exception:  # noqa: BLE001  (a declared field that is not a model field)
                continue
            if getattr(model_field, "choices", None) and not getattr(model_field, "many_to_many", False):
                fields[f"{name}_display"] = ChoiceDisplayField(
                    model_field, source=f"get_{name}_display", read_only=True
                )
        return fields

    @property
    def acting_user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def create(self, validated_data):
        """Writes go through the services (crm/services): the serializer only translates the body."""
        return services.create(model=self.Meta.model, user=self.acting_user, values=validated_data)

    def update(self, instance, validated_data):
        """``seen_version`` comes from the view (If-Match or the body's version)."""
        seen = validated_data.pop("seen_version", None)
        return services.update(record=instance, user=self.acting_user, values=validated_data, seen_version=seen)

    def value(self, attrs, name):
        """The value a field will have after this write (partial updates keep the stored one)."""
        if name in attrs:
            return attrs[name]
        return getattr(self.instance, name, None) if self.instance is not None else None


READ_ONLY_BASE = ("id", "version", "created_at", "updated_at")


class IndustrySerializer(CRMSerializer):
    parent_name = serializers.CharField(source="parent.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Industry
        fields = ["id", "name", "name_en", "code", "parent", "parent_name", *READ_ONLY_BASE[1:]]
        read_only_fields = READ_ONLY_BASE


class CompanySerializer(CRMSerializer):
    credit_code = serializers.CharField(max_length=40, required=False, allow_blank=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=50, required=False, default=list
    )
    parent_name = serializers.CharField(source="parent.name", read_only=True, default=None, allow_null=True)
    owner = ActiveUserField(required=False, allow_null=True)
    owner_name = NameField(source="owner")
    country = CountryField(required=False)

    class Meta:
        model = Company
        fields = [
            "id", "name", "short_name", "name_en", "kind", "credit_code", "parent", "parent_name", "industries",
            "city", "province", "country", "fortune500_rank", "is_listed", "is_local_origin", "is_home_side",
            "website", "description", "owner", "owner_name", "tags", *READ_ONLY_BASE[1:],
        ]  # fmt: skip
        read_only_fields = READ_ONLY_BASE

    def validate_credit_code(self, value):
        code = normalize_credit_code(value)
        if not code:
            return ""
        from django.core.exceptions import ValidationError as DjangoValidationError

        from ..models.validators import validate_credit_code

        try:
            validate_credit_code(code)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        duplicate = Company.objects.filter(credit_code=code)
        if self.instance is not None:
            duplicate = duplicate.exclude(pk=self.instance.pk)
        if duplicate.exists():
            raise serializers.ValidationError(
                _("该统一社会信用代码已登记。 A company with this credit code already exists."), code="unique"
            )
        return code


class ContactSerializer(CRMSerializer):
    company_name = serializers.CharField(source="company.name", read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id", "company", "company_name", "name", "name_en", "title", "phone", "email", "notes",
            *READ_ONLY_BASE[1:],
        ]  # fmt: skip
        read_only_fields = READ_ONLY_BASE


class TripSerializer(CRMSerializer):
    leader_name = serializers.CharField(source="leader.name", read_only=True, default=None, allow_null=True)
    owner = ActiveUserField(required=False, allow_null=True)

    class Meta:
        model = Trip
        fields = [
            "id", "title", "destination", "start_date", "end_date", "leader", "leader_name", "members",
            "purpose", "summary", "owner", *READ_ONLY_BASE[1:],
        ]  # fmt: skip
        read_only_fields = READ_ONLY_BASE


class MeetingSerializer(CRMSerializer):
    trip_title = serializers.CharField(source="trip.title", read_only=True, default=None, allow_null=True)
    owner = ActiveUserField(required=False, allow_null=True)
    owner_name = NameField(source="owner")

    class Meta:
        model = Meeting
        fields = [
            "id", "title", "kind", "starts_at", "ends_at", "location", "trip", "trip_title", "companies",
            "attendees", "owner", "owner_name", "summary", "outcomes", *READ_ONLY_BASE[1:],
        ]  # fmt: skip
        read_only_fields = READ_ONLY_BASE


class PartnerRequestSerializer(CRMSerializer):
    company_name = serializers.CharField(source="company.name", read_only=True)
    assignee = ActiveUserField(required=False, allow_null=True)
    assignee_name = NameField(source="assignee")
    overdue = ComputedBooleanField(_open_and_past_due, ("status", "due_on"))

    class Meta:
        model = PartnerRequest
        fields = [
            "id", "company", "company_name", "meeting", "raised_on", "category", "description", "status",
            "assignee", "assignee_name", "due_on", "resolved_on", "resolution", "overdue", *READ_ONLY_BASE[1:],
        ]  # fmt: skip
        read_only_fields = READ_ONLY_BASE


class AgreementSerializer(CRMSerializer):
    project = VisibleProjectField(required=False, allow_null=True)
    project_name = serializers.CharField(source="project.name", read_only=True, default=None, allow_null=True)
    meeting_title = serializers.CharField(source="meeting.title", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Agreement
        fields = [
            "id", "title", "kind", "companies", "signed_on", "meeting", "meeting_title", "project", "project_name",
            "amount", "status", "summary", *READ_ONLY_BASE[1:],
        ]  # fmt: skip
        read_only_fields = READ_ONLY_BASE


class ProjectSerializer(CRMSerializer):
    owner = ActiveUserField(required=False, allow_null=True)
    owner_name = NameField(source="owner")
    company_name = serializers.CharField(source="company.name", read_only=True, default=None, allow_null=True)
    arrived_investment = serializers.DecimalField(max_digits=17, decimal_places=2, read_only=True)
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
            "id", "name", "code_name", "is_confidential", "team", "company", "company_name", "industries", "kind",
            "total_investment", "contracted_investment", "arrived_investment", "jobs_planned", "location",
            "stage", "stage_changed_on", "stage_reason", "owner", "owner_name", "description",
            *READ_ONLY_BASE[1:],
        ]  # fmt: skip
        read_only_fields = READ_ONLY_BASE


class StageChangeSerializer(serializers.ModelSerializer):
    changed_by_name = NameField(source="changed_by")

    class Meta:
        model = ProjectStageChange
        fields = [
            "id", "from_stage", "to_stage", "changed_on", "changed_at", "changed_by", "changed_by_name", "reason",
            "is_correction",
        ]  # fmt: skip


class VersionRequestSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, help_text="The version read (or send If-Match); a stale one answers 412, none 428."
    )


class CompleteRequestSerializer(serializers.Serializer):
    done_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Default today.")
    version = serializers.IntegerField(required=False, help_text="The version read; a stale one answers 412.")


class ResolveRequestSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=10000, help_text="How it was resolved, or why it was declined.")
    resolved_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Default today.")
    version = serializers.IntegerField(required=False, help_text="The version read; a stale one answers 412.")


class StageChangeRequestSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=ProjectStage.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    changed_on = serializers.DateField(required=False, allow_null=True, default=None)
    version = serializers.IntegerField(required=False, help_text="The version read; a stale one answers 412.")


class CapitalArrivalSerializer(CRMSerializer):
    project = VisibleProjectField()
    project_name = serializers.CharField(source="project.name", read_only=True)

    class Meta:
        model = CapitalArrival
        fields = ["id", "project", "project_name", "amount", "arrived_on", "note", *READ_ONLY_BASE[1:]]
        read_only_fields = READ_ONLY_BASE

    def validate_amount(self, value):
        if value <= 0:
            raise serializers.ValidationError(_("到位金额必须大于零。 The amount must be greater than zero."))
        return value


class MilestoneSerializer(CRMSerializer):
    project = VisibleProjectField()
    project_name = serializers.CharField(source="project.name", read_only=True)
    assignee = ActiveUserField(required=False, allow_null=True)
    assignee_name = NameField(source="assignee")
    done = ComputedBooleanField(lambda done_on: done_on is not None, ("done_on",))
    overdue = ComputedBooleanField(
        lambda done_on, due_on: done_on is None and due_on < services.today(), ("done_on", "due_on")
    )

    class Meta:
        model = Milestone
        fields = [
            "id", "project", "project_name", "title", "kind", "due_on", "done_on", "done", "overdue", "assignee",
            "assignee_name", "notes", *READ_ONLY_BASE[1:],
        ]  # fmt: skip
        read_only_fields = READ_ONLY_BASE


class TaskSerializer(CRMSerializer):
    assignee = ActiveUserField(required=False, allow_null=True)
    assignee_name = NameField(source="assignee")
    project = VisibleProjectField(required=False, allow_null=True)
    agreement = VisibleAgreementField(required=False, allow_null=True)
    overdue = ComputedBooleanField(_open_and_past_due, ("status", "due_on"))

    class Meta:
        model = Task
        fields = [
            "id", "title", "description", "assignee", "assignee_name", "due_on", "priority", "status", "company",
            "meeting", "agreement", "project", "done_at", "overdue", *READ_ONLY_BASE[1:],
        ]  # fmt: skip
        read_only_fields = (*READ_ONLY_BASE, "done_at")


@extend_schema_field({"type": "array", "items": {"type": "string", "enum": ["viewer", "editor", "manager"]}})
class RolesField(ComputedField):
    """A user's CRM roles, sorted: from the ``_role_*`` annotations of ``with_roles`` in a list,
    from the user's role cache otherwise."""

    def __init__(self, **kwargs):
        super().__init__(lambda *values: sorted(roles_from(*values)), ROLE_COLUMNS, **kwargs)

    def to_representation(self, value):
        return sorted(value.roles)


class UserSerializer(serializers.ModelSerializer):
    groups = RolesField()
    language_display = serializers.CharField(source="get_language_display", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "language", "language_display", "groups", "is_active"]
        read_only_fields = fields


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=1024, trim_whitespace=False, style={"input_type": "password"})


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class MeSerializer(UserSerializer):
    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "is_superuser"]
        read_only_fields = fields

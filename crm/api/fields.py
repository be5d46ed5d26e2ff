"""Serializer fields the resources share: strict ids and datetimes, names, labels, computed values."""

from __future__ import annotations

from functools import lru_cache

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import access, services
from ..models import Agreement, Project, User
from ..models.choices import TaskStatus
from ..models.validators import validate_country_code


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


def open_and_past_due(status, due_on) -> bool:
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

"""Serializer fields the resources share: strict ids and datetimes, visible references, names."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import access
from ..models import Agreement, Project, User
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

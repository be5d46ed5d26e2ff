"""``companies/``: partners, groups and their subsidiaries (合作方)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework import serializers

from ...models import Company, Industry, User
from ...models.choices import CompanyKind
from ...models.validators import normalize_credit_code, validate_credit_code
from ..base import READ_ONLY_BASE, CRMSerializer, CRMViewSet, documented
from ..fields import ActiveUserField, CountryField, NameField
from ..filters import IdFilter, StrictBooleanFilter, filter_industry


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


class CompanyFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=CompanyKind.choices)
    industry = IdFilter(queryset=Industry.objects.all(), method=filter_industry)
    city = filters.CharFilter()
    province = filters.CharFilter()
    country = filters.CharFilter()
    owner = filters.ModelChoiceFilter(queryset=User.objects.all())
    is_local_origin = StrictBooleanFilter()
    is_listed = StrictBooleanFilter()
    is_home_side = StrictBooleanFilter()
    parent = filters.ModelChoiceFilter(queryset=Company.objects.all())
    credit_code = filters.CharFilter()

    class Meta:
        model = Company
        fields = ["kind", "industry", "city", "owner", "is_local_origin", "parent"]


@documented(CompanySerializer)
class CompanyViewSet(CRMViewSet):
    queryset = Company.objects.select_related("parent", "owner")
    serializer_class = CompanySerializer
    filterset_class = CompanyFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["name", "created_at", "updated_at", "fortune500_rank", "id"]
    many_id_fields = ("industries",)

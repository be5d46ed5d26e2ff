"""``companies/``: partners, groups and their subsidiaries (合作方)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework import serializers

from ...models import Company, Industry, User
from ...models.choices import CompanyKind
from ...models.validators import normalize_credit_code, validate_credit_code
from ..base import TRACKED, CRMSerializer, CRMViewSet, documented
from ..fields import ActiveUserField, CountryField
from ..filters import IdFilter, StrictBooleanFilter, filter_industry
from ..lists import Column, Ids, Label, Shape, UserName


class CompanySerializer(CRMSerializer):
    credit_code = serializers.CharField(max_length=40, required=False, allow_blank=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=50, required=False, default=list
    )
    owner = ActiveUserField(required=False, allow_null=True)
    country = CountryField(required=False)

    class Meta:
        model = Company
        fields = [
            "name", "short_name", "name_en", "kind", "credit_code", "parent", "industries", "city", "province",
            "country", "fortune500_rank", "is_listed", "is_local_origin", "is_home_side", "website", "description",
            "owner", "tags",
        ]  # fmt: skip

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


@documented
class CompanyViewSet(CRMViewSet):
    queryset = Company.objects.all()
    shape = Shape(Company, {
        "id": "id",
        "name": "name",
        "short_name": "short_name",
        "name_en": "name_en",
        "kind": "kind",
        "kind_display": Label("kind"),
        "credit_code": "credit_code",
        "parent": "parent",
        "parent_name": "parent__name",
        "industries": Ids("industries"),
        "city": "city",
        "province": "province",
        "country": "country",
        "fortune500_rank": "fortune500_rank",
        "is_listed": "is_listed",
        "is_local_origin": "is_local_origin",
        "is_home_side": "is_home_side",
        "website": "website",
        "description": "description",
        "owner": "owner",
        "owner_name": UserName("owner"),
        "tags": Column("tags", schema=serializers.ListField(child=serializers.CharField(), read_only=True)),
        **TRACKED,
    })  # fmt: skip
    serializer_class = CompanySerializer
    filterset_class = CompanyFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["name", "created_at", "updated_at", "fortune500_rank", "id"]

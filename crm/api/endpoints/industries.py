"""``industries/``: the industry tree (产业分类)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from ...models import Industry
from ..base import TRACKED, CRMSerializer, CRMViewSet, documented
from ..filters import StrictBooleanFilter
from ..lists import Shape


class IndustrySerializer(CRMSerializer):
    class Meta:
        model = Industry
        fields = ["name", "name_en", "code", "parent"]


class IndustryFilterSet(filters.FilterSet):
    parent = filters.ModelChoiceFilter(queryset=Industry.objects.all())
    is_root = StrictBooleanFilter(field_name="parent", lookup_expr="isnull", label=_("顶级产业"))

    class Meta:
        model = Industry
        fields = ["parent"]


@documented
class IndustryViewSet(CRMViewSet):
    queryset = Industry.objects.all()
    shape = Shape(Industry, {
        "id": "id",
        "name": "name",
        "name_en": "name_en",
        "code": "code",
        "parent": "parent",
        "parent_name": "parent__name",
        **TRACKED,
    })  # fmt: skip
    serializer_class = IndustrySerializer
    filterset_class = IndustryFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["code", "name", "id"]

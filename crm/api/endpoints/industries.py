"""``industries/``: the industry tree (产业分类)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework import serializers

from ...models import Industry
from ..base import READ_ONLY_BASE, CRMSerializer, CRMViewSet, documented
from ..filters import StrictBooleanFilter


class IndustrySerializer(CRMSerializer):
    parent_name = serializers.CharField(source="parent.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Industry
        fields = ["id", "name", "name_en", "code", "parent", "parent_name", *READ_ONLY_BASE[1:]]
        read_only_fields = READ_ONLY_BASE


class IndustryFilterSet(filters.FilterSet):
    parent = filters.ModelChoiceFilter(queryset=Industry.objects.all())
    is_root = StrictBooleanFilter(field_name="parent", lookup_expr="isnull", label=_("顶级产业"))

    class Meta:
        model = Industry
        fields = ["parent"]


@documented(IndustrySerializer)
class IndustryViewSet(CRMViewSet):
    queryset = Industry.objects.select_related("parent")
    serializer_class = IndustrySerializer
    filterset_class = IndustryFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["code", "name", "id"]

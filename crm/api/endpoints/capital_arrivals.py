"""``capital-arrivals/``: the ledger of capital arrived (资金到位)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework import serializers

from ... import access
from ...models import CapitalArrival
from ..base import READ_ONLY_BASE, CRMSerializer, CRMViewSet, documented
from ..fields import VisibleProjectField
from ..filters import visible_projects


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


class CapitalArrivalFilterSet(filters.FilterSet):
    project = filters.ModelChoiceFilter(queryset=visible_projects)

    class Meta:
        model = CapitalArrival
        fields = {"arrived_on": ["gte", "lte"]}


@documented(CapitalArrivalSerializer)
class CapitalArrivalViewSet(CRMViewSet):
    serializer_class = CapitalArrivalSerializer
    filterset_class = CapitalArrivalFilterSet
    ordering_fields = ["arrived_on", "amount", "id"]

    def get_queryset(self):
        return access.visible(self.request.user, CapitalArrival.objects.all()).select_related("project")

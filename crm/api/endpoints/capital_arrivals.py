"""``capital-arrivals/``: the ledger of capital arrived (资金到位)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework import serializers

from ... import access
from ...models import CapitalArrival
from ..base import TRACKED, CRMSerializer, CRMViewSet, documented
from ..fields import VisibleProjectField
from ..filters import visible_projects
from ..lists import Shape


class CapitalArrivalSerializer(CRMSerializer):
    project = VisibleProjectField()

    class Meta:
        model = CapitalArrival
        fields = ["project", "amount", "arrived_on", "note"]

    def validate_amount(self, value):
        if value <= 0:
            raise serializers.ValidationError(_("到位金额必须大于零。 The amount must be greater than zero."))
        return value


class CapitalArrivalFilterSet(filters.FilterSet):
    project = filters.ModelChoiceFilter(queryset=visible_projects)

    class Meta:
        model = CapitalArrival
        fields = {"arrived_on": ["gte", "lte"]}


@documented
class CapitalArrivalViewSet(CRMViewSet):
    shape = Shape(CapitalArrival, {
        "id": "id",
        "project": "project",
        "project_name": "project__name",
        "amount": "amount",
        "arrived_on": "arrived_on",
        "note": "note",
        **TRACKED,
    })  # fmt: skip
    serializer_class = CapitalArrivalSerializer
    filterset_class = CapitalArrivalFilterSet
    ordering_fields = ["arrived_on", "amount", "id"]

    def get_queryset(self):
        return access.visible(self.request.user, CapitalArrival.objects.all())

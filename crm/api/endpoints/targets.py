"""``targets/``: the yearly signing targets, set by managers."""

from __future__ import annotations

from django_filters import rest_framework as filters

from ...models import InvestmentTarget
from ..base import READ_ONLY_BASE, CRMSerializer, CRMViewSet, documented

MANAGERS = frozenset({"manager"})


# Yearly targets ----------------------------------------------------------------------------------


class InvestmentTargetSerializer(CRMSerializer):
    class Meta:
        model = InvestmentTarget
        fields = ["id", "year", "amount", "note", *READ_ONLY_BASE[1:]]
        read_only_fields = READ_ONLY_BASE


class InvestmentTargetFilterSet(filters.FilterSet):
    class Meta:
        model = InvestmentTarget
        fields = {"year": ["exact", "gte", "lte"]}


@documented(InvestmentTargetSerializer)
class InvestmentTargetViewSet(CRMViewSet):
    """The signed investment each year should reach (年度签约目标): managers set it, every role reads it."""

    queryset = InvestmentTarget.objects.all()
    serializer_class = InvestmentTargetSerializer
    filterset_class = InvestmentTargetFilterSet
    ordering_fields = ["year", "amount", "id"]
    action_roles = dict.fromkeys(("create", "update", "partial_update", "destroy"), MANAGERS)

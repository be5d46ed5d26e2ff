"""``targets/``: the yearly signing targets, set by managers."""

from __future__ import annotations

from django_filters import rest_framework as filters

from ...models import InvestmentTarget
from ..base import TRACKED, CRMSerializer, CRMViewSet, documented
from ..lists import Shape

MANAGERS = frozenset({"manager"})


class InvestmentTargetSerializer(CRMSerializer):
    class Meta:
        model = InvestmentTarget
        fields = ["year", "amount", "note"]


class InvestmentTargetFilterSet(filters.FilterSet):
    class Meta:
        model = InvestmentTarget
        fields = {"year": ["exact", "gte", "lte"]}


@documented
class InvestmentTargetViewSet(CRMViewSet):
    """The signed investment each year should reach (年度签约目标): managers set it, every role reads it."""

    queryset = InvestmentTarget.objects.all()
    shape = Shape(InvestmentTarget, {
        "id": "id",
        "year": "year",
        "amount": "amount",
        "note": "note",
        **TRACKED,
    })  # fmt: skip
    serializer_class = InvestmentTargetSerializer
    filterset_class = InvestmentTargetFilterSet
    ordering_fields = ["year", "amount", "id"]
    action_roles = dict.fromkeys(("create", "update", "partial_update", "destroy"), MANAGERS)

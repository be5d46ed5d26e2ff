"""``users/``: staff accounts, read-only, for pickers (managed in the admin)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django_filters import rest_framework as filters
from rest_framework import serializers, viewsets

from ...auth import role_expressions, roles_from
from ...models import ROLE_NAMES, User
from ..base import documented
from ..filters import StrictBooleanFilter
from ..lists import Computed, Label, Shape, ShapedMixin


def sorted_roles(is_superuser: bool, *held: bool) -> list[str]:
    """A user's roles in alphabetical order, from whether they hold each (a superuser holds all)."""
    return sorted(roles_from(is_superuser, *held))


# The roles' schema: a list of role names.
ROLES = serializers.ListField(
    child=serializers.ChoiceField(choices=[(role, role) for role in ROLE_NAMES]), read_only=True
)


class UserFilterSet(filters.FilterSet):
    group = filters.ChoiceFilter(choices=[(r, r) for r in ROLE_NAMES], method="filter_group")
    is_active = StrictBooleanFilter()

    class Meta:
        model = User
        fields = ["group", "is_active"]

    def filter_group(self, queryset, name, value):
        return queryset.filter(Exists(User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=value)))


@documented
class UserViewSet(ShapedMixin, viewsets.ReadOnlyModelViewSet):
    """Staff accounts, for pickers. Managed in the admin."""

    shape = Shape(User, {
        "id": "id",
        "username": "username",
        "full_name": "full_name",
        "email": "email",
        "language": "language",
        "language_display": Label("language"),
        "groups": Computed(sorted_roles, "is_superuser", *role_expressions(), schema=ROLES),
        "is_active": "is_active",
    })  # fmt: skip
    filterset_class = UserFilterSet
    search_fields = ["username", "full_name", "email"]
    ordering_fields = ["username", "full_name", "id"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return User.objects.all()

"""``users/``: staff accounts, read-only, for pickers (managed in the admin)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets

from ...auth import ROLE_COLUMNS, attach_roles, roles_from, with_roles
from ...models import ROLE_NAMES, User
from ..base import ERRORS
from ..fields import ComputedField
from ..filters import StrictBooleanFilter
from ..rows import RowListMixin


@extend_schema_field({"type": "array", "items": {"type": "string", "enum": ["viewer", "editor", "manager"]}})
class RolesField(ComputedField):
    """A user's CRM roles, sorted: from the ``_role_*`` annotations of ``with_roles`` in a list,
    from the user's role cache otherwise."""

    def __init__(self, **kwargs):
        super().__init__(lambda *values: sorted(roles_from(*values)), ROLE_COLUMNS, **kwargs)

    def to_representation(self, value):
        return sorted(value.roles)


class UserSerializer(serializers.ModelSerializer):
    groups = RolesField()
    language_display = serializers.CharField(source="get_language_display", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "language", "language_display", "groups", "is_active"]
        read_only_fields = fields


class UserFilterSet(filters.FilterSet):
    group = filters.ChoiceFilter(choices=[(r, r) for r in ROLE_NAMES], method="filter_group")
    is_active = StrictBooleanFilter()

    class Meta:
        model = User
        fields = ["group", "is_active"]

    def filter_group(self, queryset, name, value):
        return queryset.filter(Exists(User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=value)))


@extend_schema_view(
    list=extend_schema(responses={200: UserSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(responses={200: UserSerializer, **ERRORS}),
)
class UserViewSet(RowListMixin, viewsets.ReadOnlyModelViewSet):
    """Staff accounts, for pickers. Managed in the admin."""

    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    search_fields = ["username", "full_name", "email"]
    ordering_fields = ["username", "full_name", "id"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return with_roles(User.objects.all())

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        for user in page or []:
            attach_roles(user, user)
        return page

    def get_object(self):
        user = super().get_object()
        return attach_roles(user, user)

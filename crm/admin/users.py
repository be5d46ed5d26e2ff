"""Staff accounts, for managers only. A user's roles (groups) decide whether they enter the admin.

``is_staff`` is not set by hand: saving a user here gives it to anyone with a role (viewer,
editor, manager) and takes it from anyone without one (superusers keep it).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from ..models import ROLE_NAMES, User

# Role permissions live in crm/roles.py and are re-applied after every migrate: editing a group
# here would be silently undone, so groups are chosen on the user, not edited.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "full_name", "email", "role_names", "language", "is_active", "is_staff", "last_login"]
    list_filter = ["groups", "is_active", "is_staff", "is_superuser", "language"]
    search_fields = ["username", "full_name", "email"]
    ordering = ["username"]
    filter_horizontal = ["groups"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("full_name", ("last_name", "first_name"), "email", "language")}),
        (_("角色"), {"fields": ("is_active", "groups", "is_staff", "is_superuser")}),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "email", "groups", "usable_password", "password1", "password2"),
            },
        ),
    )

    @admin.display(description=_("角色"))
    def role_names(self, obj):
        return "、".join(sorted(group.name for group in obj.groups.all())) or None

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def get_readonly_fields(self, request, obj=None):
        readonly = ["is_staff", "last_login", "date_joined"]
        if not request.user.is_superuser:
            readonly.append("is_superuser")
        return readonly

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = Group.objects.filter(name__in=ROLE_NAMES).order_by("name")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # Managers only; the others may look users up in the owner and assignee fields. -------------

    @staticmethod
    def _manager(request) -> bool:
        return request.user.is_active and request.user.is_manager

    @staticmethod
    def _autocomplete(request) -> bool:
        match = getattr(request, "resolver_match", None)
        return match is not None and match.url_name == "autocomplete"

    def has_module_permission(self, request):
        return self._manager(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        if not (self._manager(request) or self._autocomplete(request)):
            return False
        return super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return self._manager(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return self._manager(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return self._manager(request) and super().has_delete_permission(request, obj)

    def get_search_results(self, request, queryset, search_term):
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        if self._autocomplete(request):
            queryset = queryset.filter(is_active=True)
        return queryset, duplicates

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        staff = user.is_superuser or user.groups.filter(name__in=ROLE_NAMES).exists()
        if user.is_staff != staff:
            User.objects.filter(pk=user.pk).update(is_staff=staff)
            user.is_staff = staff

"""Authentication backend that loads a user's roles in the same query as the user."""

from functools import cache

from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

from .models import ROLE_NAMES, User


def with_roles(queryset, user_ref: str = "pk"):
    """Annotate ``_role_<role>`` for each role, so roles cost no query of their own."""
    return queryset.annotate(**_role_expressions(user_ref))


@cache
def _role_expressions(user_ref: str) -> dict:
    # Built once: a queryset resolves a copy of an expression, never the expression itself.
    through = User.groups.through
    return {
        f"_role_{role}": Exists(through.objects.filter(user_id=OuterRef(user_ref), group__name=role))
        for role in ROLE_NAMES
    }


ROLE_COLUMNS = ("is_superuser", *(f"_role_{role}" for role in ROLE_NAMES))


def role_expressions(user_ref: str = "pk") -> list:
    """Whether the user holds each role (``ROLE_NAMES``' order), as SQL, for a ``values_list``."""
    return list(_role_expressions(user_ref).values())


def roles_from(is_superuser: bool, *held: bool) -> frozenset[str]:
    """The roles of a user from ``ROLE_COLUMNS``' values: a superuser holds all."""
    if is_superuser:
        return frozenset(ROLE_NAMES)
    return frozenset(role for role, has in zip(ROLE_NAMES, held, strict=True) if has)


def attach_roles(user: User, source) -> User:
    """Copy the ``_role_*`` annotations of ``source`` into the user's role cache."""
    user._crm_roles = roles_from(user.is_superuser, *(getattr(source, column, False) for column in ROLE_COLUMNS[1:]))
    return user


class RoleModelBackend(ModelBackend):
    def get_user(self, user_id):
        user = with_roles(User._default_manager.filter(pk=user_id)).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        return attach_roles(user, user)

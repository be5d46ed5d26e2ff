"""Authentication backend that loads a user's roles in the same query as the user."""

from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

from .models import ROLE_NAMES, User


def with_roles(queryset, user_ref: str = "pk"):
    """Annotate ``_role_<role>`` for each role, so roles cost no query of their own."""
    through = User.groups.through
    return queryset.annotate(
        **{
            f"_role_{role}": Exists(through.objects.filter(user_id=OuterRef(user_ref), group__name=role))
            for role in ROLE_NAMES
        }
    )


def attach_roles(user: User, source) -> User:
    """Copy the ``_role_*`` annotations of ``source`` into the user's role cache."""
    if user.is_superuser:
        user._crm_roles = frozenset(ROLE_NAMES)
    else:
        user._crm_roles = frozenset(role for role in ROLE_NAMES if getattr(source, f"_role_{role}", False))
    return user


class RoleModelBackend(ModelBackend):
    def get_user(self, user_id):
        user = with_roles(User._default_manager.filter(pk=user_id)).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        return attach_roles(user, user)

from rest_framework.permissions import SAFE_METHODS, BasePermission

WRITE_ROLES = frozenset({"editor", "manager"})


class RolePermission(BasePermission):
    """viewer reads; editor also creates and changes; manager also deletes.

    A view may name the roles an action needs in ``action_roles`` (action name to roles).
    """

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        roles = user.roles
        needed = getattr(view, "action_roles", {}).get(getattr(view, "action", None))
        if needed is not None:
            return bool(roles & needed)
        if request.method in SAFE_METHODS:
            return bool(roles)
        if request.method == "DELETE":
            return "manager" in roles
        return bool(roles & WRITE_ROLES)


class IsAuthenticatedUser(BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)

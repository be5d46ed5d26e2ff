from django.contrib.auth.models import Group
from django.db import router
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from ..auth import attach_roles
from ..models import ROLE_NAMES, User


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>`` or ``Bearer <key>``; the user's roles come in the same query."""

    keywords = (b"token", b"bearer")

    def authenticate(self, request):
        auth = authentication.get_authorization_header(request).split()
        if not auth or auth[0].lower() not in self.keywords:
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed(_("令牌格式无效。 Invalid token header."))
        try:
            key = auth[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("令牌格式无效。 Invalid token header.")) from None
        if "\x00" in key or len(key) > 64:
            raise exceptions.AuthenticationFailed(_("令牌无效。 Invalid token."))
        return self.authenticate_credentials(key)

    def authenticate_credentials(self, key):
        token = token_with_user(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效。 Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("用户已停用。 User inactive or deleted."))
        return token.user, token


def _token_statement() -> str:
    """The user of a token, with a column per role, as SQL written out once: the ORM spent 1.1 ms
    a request building and compiling the same query (docs/performance.md, "The token lookup").
    A role is membership of the group of its name, as ``crm.auth.with_roles`` says;
    tests/api/test_token_lookup.py holds both to the same answers."""
    users, tokens = User._meta.db_table, Token._meta.db_table
    links, groups = User.groups.through._meta.db_table, Group._meta.db_table
    roles = ", ".join(
        f"EXISTS (SELECT 1 FROM {links} ug JOIN {groups} g ON g.id = ug.group_id "
        f"WHERE ug.user_id = u.id AND g.name = %s) AS _role_{role}"
        for role in ROLE_NAMES
    )
    # The columns by name, not ``u.*``: a column added by a migration must not change what an
    # old process's prepared statement returns.
    columns = ", ".join(f'u."{field.column}"' for field in User._meta.concrete_fields)
    return f"SELECT {columns}, {roles} FROM {users} u JOIN {tokens} t ON t.user_id = u.id WHERE t.key = %s"


TOKEN_STATEMENT = _token_statement()


def token_with_user(key: str) -> Token | None:
    """The token of ``key`` with its user, whose roles are attached, in one query; or None. The
    token's columns other than its key and user are not read (Django loads them if asked)."""
    found = list(User.objects.raw(TOKEN_STATEMENT, [*ROLE_NAMES, key]))
    if not found:
        return None
    user = attach_roles(found[0], found[0])
    token = Token.from_db(router.db_for_read(Token), ["key", "user_id"], [key, user.pk])
    token.user = user
    return token

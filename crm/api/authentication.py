from django.contrib.auth.models import Group
from django.db import DEFAULT_DB_ALIAS, connections, router
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
    a request building and compiling the same query (docs/performance.md, "How a list is read").
    A role is membership of the group of its name, as ``crm.auth.with_roles`` says;
    tests/api/test_token_lookup.py holds both to the same answers."""
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    links = User.groups.through._meta
    user_id, group_id = (quote(links.get_field(name).column) for name in ("user", "group"))
    group_pk, user_pk = quote(Group._meta.pk.column), quote(User._meta.pk.column)
    roles = ", ".join(
        f"EXISTS (SELECT 1 FROM {quote(links.db_table)} ug JOIN {quote(Group._meta.db_table)} g "
        f"ON g.{group_pk} = ug.{group_id} WHERE ug.{user_id} = u.{user_pk} AND g.{quote('name')} = %s) "
        f"AS {quote('_role_' + role)}"
        for role in ROLE_NAMES
    )
    # The columns by name, not ``u.*``: a column added by a migration must not change what an
    # old process's prepared statement returns.
    columns = ", ".join(f"u.{quote(field.column)}" for field in User._meta.concrete_fields)
    token = Token._meta
    return (
        f"SELECT {columns}, {roles} FROM {quote(User._meta.db_table)} u JOIN {quote(token.db_table)} t "
        f"ON t.{quote(token.get_field('user').column)} = u.{user_pk} WHERE t.{quote(token.pk.column)} = %s"
    )


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

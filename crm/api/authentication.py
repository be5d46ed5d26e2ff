import secrets
from functools import lru_cache

from django.db import connections, router
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from ..auth import ROLE_COLUMNS, roles_from, with_roles
from ..db import CompiledStatement, fast_cursors
from ..models import User


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


# Every API request looks its token up: the query (token, user and roles in one statement) is
# compiled by the ORM once per database and then only executed, as a statement prepared once per
# connection (crm/db.py): most of the request's fixed cost (docs/performance.md, "The fixed cost
# of a request").
_SENTINEL = "crm-token-" + secrets.token_hex(16)
_USER_FIELDS = [field.attname for field in User._meta.concrete_fields]
_TOKEN_FIELDS = [field.attname for field in Token._meta.concrete_fields]


@lru_cache(maxsize=8)
def _token_statement(alias: str) -> CompiledStatement:
    """The lookup's statement, the key's place found by a sentinel."""
    rows = with_roles(Token.objects.using(alias).filter(key=_SENTINEL), user_ref="user_id").values_list(
        *_TOKEN_FIELDS, *(f"user__{name}" for name in _USER_FIELDS), *ROLE_COLUMNS[1:]
    )
    return CompiledStatement(rows, sentinels=[_SENTINEL])


def token_with_user(key: str) -> Token | None:
    """The token of ``key`` with its user, whose roles are attached, in one query; or None."""
    alias = router.db_for_read(Token)
    statement = _token_statement(alias)
    with fast_cursors(alias):
        found = statement.execute(connections[alias], statement.bound([key]))
    if not found:
        return None
    row = found[0]
    token_values = row[: len(_TOKEN_FIELDS)]
    user_values = row[len(_TOKEN_FIELDS) : len(_TOKEN_FIELDS) + len(_USER_FIELDS)]
    roles = row[len(_TOKEN_FIELDS) + len(_USER_FIELDS) :]
    token = Token.from_db(alias, _TOKEN_FIELDS, token_values)
    user = User.from_db(alias, _USER_FIELDS, user_values)
    user._crm_roles = roles_from(user.is_superuser, *roles)
    token.user = user
    return token

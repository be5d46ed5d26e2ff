from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from ..auth import attach_roles, with_roles


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
        token = with_roles(Token.objects.select_related("user"), user_ref="user_id").filter(key=key).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效。 Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("用户已停用。 User inactive or deleted."))
        return attach_roles(token.user, token), token

"""Signing in: an API token (``auth/token/``), or a session for a page on the API's own origin.

A page on another origin exchanges the username and password for a token and sends it as
``Authorization: Token <key>``. A page on the same origin signs in with a Django session: it
reads a CSRF token from ``auth/csrf/``, posts the credentials to ``auth/login/`` with the token in
``X-CSRFToken`` and sends that header with every later unsafe request (docs/frontend.md).
``auth/me/`` is the signed-in user with their roles.
"""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.signals import user_logged_in
from django.middleware.csrf import get_token
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ...models import User
from ..exceptions import error_response, error_responses
from ..permissions import IsAuthenticatedUser
from ..throttling import SiteWideScopedRateThrottle
from .users import ROLES


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=1024, trim_whitespace=False, style={"input_type": "password"})


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


@extend_schema_field(ROLES)
class RolesField(serializers.ReadOnlyField):
    """The user's roles in alphabetical order (loaded with the user: crm/auth.py)."""

    def to_representation(self, value):
        return sorted(value.roles)


class MeSerializer(serializers.ModelSerializer):
    """The signed-in user: what ``users/`` shows of them, and whether they are a superuser."""

    language_display = serializers.CharField(source="get_language_display", read_only=True)
    groups = RolesField(source="*")

    class Meta:
        model = User
        fields = [
            "id", "username", "full_name", "email", "language", "language_display", "groups", "is_active",
            "is_superuser",
        ]  # fmt: skip
        read_only_fields = fields


class TokenView(APIView):
    """Exchange a username and password for an API token."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = [SiteWideScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            400: error_response(400, "Validation error"),
            401: error_response(401, "Wrong username or password"),
            429: error_response(429, "Too many attempts"),
        },
    )
    def post(self, request):
        body = TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = authenticate(
            request._request, username=body.validated_data["username"], password=body.validated_data["password"]
        )
        if user is None or not user.is_active:
            raise AuthenticationFailed(_("用户名或密码错误。 Wrong username or password."))
        # A sign-in like the admin's: records last_login, and django-axes clears the failures.
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    def get_authenticate_header(self, request):
        return "Token"


class MeView(APIView):
    """The signed-in user, with their roles."""

    permission_classes = [IsAuthenticatedUser]

    @extend_schema(responses={200: MeSerializer, 401: error_response(401, "Not authenticated")})
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class CsrfTokenSerializer(serializers.Serializer):
    csrf_token = serializers.CharField(help_text="Send it back in the X-CSRFToken header of unsafe requests.")


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=1024, trim_whitespace=False, style={"input_type": "password"})


class LoginResponseSerializer(serializers.Serializer):
    user = MeSerializer()
    csrf_token = serializers.CharField(help_text="Signing in changes the CSRF token: use this one from now on.")


class CsrfProtected:
    """Unsafe requests need the CSRF token even from an anonymous caller (DRF checks only signed-in ones)."""

    def initial(self, request, *args, **kwargs):
        SessionAuthentication().enforce_csrf(request)
        super().initial(request, *args, **kwargs)


@method_decorator([never_cache, ensure_csrf_cookie], name="dispatch")
class CsrfView(APIView):
    """Set the ``csrftoken`` cookie and return the token, for a page about to sign in or write."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: CsrfTokenSerializer})
    def get(self, request):
        return Response({"csrf_token": get_token(request._request)})


@method_decorator(never_cache, name="dispatch")
class SessionLoginView(CsrfProtected, APIView):
    """Sign in with a username and password for a session (cookie); needs the CSRF token."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [SiteWideScopedRateThrottle]
    throttle_scope = "token"  # the same budget as auth/token/: two doors do not double the guesses

    @extend_schema(
        request=LoginSerializer,
        responses={200: LoginResponseSerializer, **error_responses(400, 401, 403, 429)},
    )
    def post(self, request):
        body = LoginSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = authenticate(
            request._request, username=body.validated_data["username"], password=body.validated_data["password"]
        )
        if user is None or not user.is_active:
            raise AuthenticationFailed(_("用户名或密码错误。 Wrong username or password."))
        login(request._request, user)
        return Response({"user": MeSerializer(user).data, "csrf_token": get_token(request._request)})

    def get_authenticate_header(self, request):
        return 'Session realm="api"'


class SessionLogoutView(CsrfProtected, APIView):
    """End the session; needs the CSRF token. Answers 204 even when no one was signed in."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={204: None, **error_responses(403)})
    def post(self, request):
        logout(request._request)
        return Response(status=204)

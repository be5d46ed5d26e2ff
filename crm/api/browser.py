"""Sign-in for a browser page served from the API's own origin: CSRF cookie, session login and logout.

A page on the same origin signs in with a Django session: it reads a CSRF token from
``auth/csrf/``, posts the credentials to ``auth/login/`` with the token in ``X-CSRFToken`` and
sends that header with every later unsafe request. A page on another origin uses token
authentication instead (``auth/token/``), see docs/frontend.md.

Also here: the schema of the one error shape (``ValidationError``, ``ErrorDetail``) and
``error_response``, which declares an error status with its body so typed clients can read it.
"""

from django.contrib.auth import authenticate, login, logout
from django.middleware.csrf import get_token
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .serializers import MeSerializer
from .throttling import SiteWideScopedRateThrottle


class ErrorDetailSerializer(serializers.Serializer):
    """Every error but a validation error: ``{"detail": "..."}``."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False, help_text="Set on some errors, e.g. `protected` on a 409.")
    field = serializers.CharField(
        required=False, help_text="On a 403 for a field only some roles may change: that field (e.g. `team`)."
    )


class ValidationErrorSerializer(serializers.Serializer):
    """A 400: each invalid field names its messages; errors of no one field are in ``non_field_errors``."""


class ValidationErrorSchema(OpenApiSerializerExtension):
    """``{field: [messages]}`` has open keys, which a serializer cannot declare by itself."""

    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema, direction):
        messages = {"type": "array", "items": {"type": "string"}}
        return {
            "type": "object",
            "description": ValidationErrorSerializer.__doc__,
            # A body that cannot be parsed at all (bad JSON, bad encoding) answers {"detail": "..."}.
            "properties": {"non_field_errors": messages, "detail": {"type": "string"}},
            # A list field reports its items' errors by index: {"tags": {"0": ["..."]}}.
            "additionalProperties": {"anyOf": [messages, {"type": "object", "additionalProperties": messages}]},
        }


ERROR_DESCRIPTIONS = {
    400: "Validation error: {field: [messages]}",
    401: "Not authenticated (or wrong username or password)",
    403: "Forbidden for this role, or a session write without the CSRF token",
    404: "Not found",
    409: "Conflict (referenced record, duplicate)",
    412: "Stale If-Match or version",
    428: "If-Match or version required",
    429: "Too many attempts",
}


def error_response(status: int, description: str = "") -> OpenApiResponse:
    """A documented error with its body: ``ValidationError`` for a 400, ``ErrorDetail`` for the rest."""
    return OpenApiResponse(
        response=ValidationErrorSerializer if status == 400 else ErrorDetailSerializer,
        description=description or ERROR_DESCRIPTIONS.get(status, ""),
    )


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Several documented errors, for ``extend_schema(responses={200: ..., **error_responses(400, 404)})``."""
    return {status: error_response(status) for status in statuses}


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

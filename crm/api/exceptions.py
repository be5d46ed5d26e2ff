"""One error shape: ``{"field": ["message"]}`` for 400s, ``{"detail": "..."}`` for the rest.

Also here: that shape in the schema (``ValidationError``, ``ErrorDetail``) and ``error_response``,
which declares an error status with its body so that typed clients can read it.
"""

import logging

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, OperationalError
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..services import ServiceError, ServiceForbidden, StaleVersion, VersionRequired

logger = logging.getLogger(__name__)


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "记录已被他人修改，请刷新后重试。 The record has changed since you read it (stale If-Match or version)."
    )
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = _(
        "修改或删除须带 If-Match 请求头或 version 字段。 Send the If-Match header or the version field to change or delete."
    )
    default_code = "precondition_required"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("与现有数据冲突。 The request conflicts with existing data.")
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("请求体过大（上限 2.5 MB）。 The request body is too large (at most 2.5 MB).")
    default_code = "too_large"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("服务繁忙，请稍后重试。 The service is busy; try again shortly.")
    default_code = "unavailable"


def _protected_detail(exc) -> dict:
    blockers = sorted(
        {str(obj._meta.verbose_name) for obj in exc.protected_objects}
        if hasattr(exc, "protected_objects")
        else {str(obj._meta.verbose_name) for obj in exc.restricted_objects}
    )
    return {
        "detail": str(
            _("该记录仍被其他记录引用，不能删除：%(kinds)s。 The record is still referenced and cannot be deleted.")
        )
        % {"kinds": "、".join(blockers)},
        "code": "protected",
    }


def exception_handler(exc, context):
    if isinstance(exc, ServiceError):
        exc = exceptions.ValidationError({exc.field: [exc.message]}, code=exc.code)
    elif isinstance(exc, ServiceForbidden):
        if exc.field:
            body = {"detail": exc.message, "code": "permission_denied", "field": exc.field}
            return Response(body, status=status.HTTP_403_FORBIDDEN)
        exc = exceptions.PermissionDenied(exc.message)
    elif isinstance(exc, StaleVersion):
        exc = PreconditionFailed()
    elif isinstance(exc, VersionRequired):
        exc = PreconditionRequired()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, ProtectedError | RestrictedError):
        return Response(_protected_detail(exc), status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, IntegrityError):
        logger.info("integrity error answered with 409: %s", exc)
        exc = Conflict()
    elif isinstance(exc, DataError):
        logger.info("data error answered with 400: %s", exc)
        exc = exceptions.ValidationError(
            {"non_field_errors": [_("数据超出允许范围。 A value is out of the allowed range.")]}
        )
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, OperationalError):
        logger.warning("database operational error answered with 503: %s", exc)
        exc = ServiceUnavailable()

    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError) and isinstance(response.data, list):
        response.data = {"non_field_errors": response.data}
    return response


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

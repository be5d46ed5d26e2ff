"""What every resource's endpoint shares: the viewset, the write serializer's base, the documented errors.

A resource's module (crm/api/endpoints/) declares its viewset with three things: the ``shape`` of
its JSON (crm/api/lists/shapes.py: what a list and a detail return), the write serializer (what a
client may send: it only translates the body for the services) and the filter set.
"""

from __future__ import annotations

from django.db import models, transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from .. import services
from .exceptions import error_response
from .fields import StrictDateTimeField, StrictPrimaryKeyRelatedField
from .history import HistoryMixin
from .lists import ShapedMixin
from .preconditions import PreconditionMixin


class CRMSerializer(serializers.ModelSerializer):
    # The body of a write: the fields a client may send, validated and handed to the services
    # (crm/services), which decide what the write may do; what a write answers is the shape's.
    # (A comment: the schema would give this docstring to every request body.)

    serializer_related_field = StrictPrimaryKeyRelatedField
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: StrictDateTimeField,
    }

    @property
    def acting_user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def create(self, validated_data):
        return services.create(model=self.Meta.model, user=self.acting_user, values=validated_data)

    def update(self, instance, validated_data):
        """``seen_version`` comes from the view (If-Match or the body's version)."""
        seen = validated_data.pop("seen_version", None)
        return services.update(record=instance, user=self.acting_user, values=validated_data, seen_version=seen)


class VersionRequestSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, help_text="The version read (or send If-Match); a stale one answers 412, none 428."
    )


ERRORS = {
    400: error_response(400, "Validation error: {field: [messages]}"),
    401: error_response(401, "Not authenticated"),
    403: error_response(403, "Forbidden for this role"),
    404: error_response(404, "Not found"),
}


# The columns every record of the CRM ends with (crm/models/base.py, TrackedModel).
TRACKED = {"version": "version", "created_at": "created_at", "updated_at": "updated_at"}


WRITE_ERRORS = {
    **ERRORS,
    409: error_response(409, "Conflict (referenced record, duplicate)"),
    412: error_response(412, "Stale If-Match or version"),
    428: error_response(428, "If-Match or version required"),
}


def documented(viewset):
    """Declare what each operation of ``viewset`` answers: its shape, and the errors it can give."""
    shape = viewset.shape
    operations = {
        "list": extend_schema(responses={200: shape.schema(many=True), **ERRORS}),
        "retrieve": extend_schema(responses={200: shape.schema(), **ERRORS}),
        "create": extend_schema(responses={201: shape.schema(), **WRITE_ERRORS}),
        "update": extend_schema(responses={200: shape.schema(), **WRITE_ERRORS}),
        "partial_update": extend_schema(responses={200: shape.schema(), **WRITE_ERRORS}),
        "destroy": extend_schema(responses={204: None, **WRITE_ERRORS}),
    }
    return extend_schema_view(**{name: operations[name] for name in operations if hasattr(viewset, name)})(viewset)


class ResourceViewSet(ShapedMixin, PreconditionMixin, viewsets.ModelViewSet):
    # A resource read by its shape and written through the services, on the version the client
    # read. (Comments, not docstrings, on these bases: the schema takes a view's description from
    # the first docstring of its classes.)

    lookup_value_regex = r"\d+"

    def get_written_queryset(self):
        """Where a record is read back after a write (see :meth:`written`): all of its kind, for
        the writer was allowed to see it when they wrote."""
        return self.shape.model._default_manager.all()

    def written(self, pk, status: int = 200, headers=None):
        """The record as a detail shows it, after a write. The write itself may take it out of
        the writer's sight (an editor who leaves a confidential project's team); the writer still
        gets the answer to what they wrote."""
        return self.shaped_response(self.get_written_queryset(), pk, status=status, headers=headers)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            self.perform_create(serializer)
        pk = serializer.instance.pk
        return self.written(pk, status=201, headers={"Location": request.build_absolute_uri(f"{pk}/")})

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            instance = self.get_locked_object()
            self.check_version(instance)
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            self.perform_update(serializer)
        return self.written(instance.pk)

    def perform_update(self, serializer):
        serializer.save(seen_version=self.seen_version(serializer.instance))

    def act(self, operation):
        """Run a service on the locked record, made on the version the client read (If-Match or
        ``version``: 428 without either, 412 when stale); answer the record as it is now."""
        with transaction.atomic():
            instance = self.get_locked_object()
            self.check_version(instance)
            operation(instance)
        return self.written(instance.pk)


class CRMViewSet(ResourceViewSet, HistoryMixin):
    # A resource of the CRM's records: with ``{id}/history/`` too.
    pass

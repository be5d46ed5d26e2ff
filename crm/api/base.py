"""What every resource's endpoint shares: the write serializer's base, the viewset, the documented errors."""

from __future__ import annotations

from django.db import models, transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from .. import services
from .exceptions import error_response
from .fields import ChoiceDisplayField, StrictDateTimeField, StrictPrimaryKeyRelatedField
from .mixins import HistoryMixin, ManyIdsMixin, PreconditionMixin, etag_for
from .rows import RowListMixin


class CRMSerializer(serializers.ModelSerializer):
    """Adds ``<field>_display`` beside every choice field and names who wrote in the history."""

    serializer_related_field = StrictPrimaryKeyRelatedField
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: StrictDateTimeField,
    }

    def get_fields(self):
        fields = super().get_fields()
        for name in list(fields):
            try:
                model_field = self.Meta.model._meta.get_field(name)
            except Exception:  # noqa: BLE001  (a declared field that is not a model field)
                continue
            if getattr(model_field, "choices", None) and not getattr(model_field, "many_to_many", False):
                fields[f"{name}_display"] = ChoiceDisplayField(
                    model_field, source=f"get_{name}_display", read_only=True
                )
        return fields

    @property
    def acting_user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def create(self, validated_data):
        """Writes go through the services (crm/services): the serializer only translates the body."""
        return services.create(model=self.Meta.model, user=self.acting_user, values=validated_data)

    def update(self, instance, validated_data):
        """``seen_version`` comes from the view (If-Match or the body's version)."""
        seen = validated_data.pop("seen_version", None)
        return services.update(record=instance, user=self.acting_user, values=validated_data, seen_version=seen)

    def value(self, attrs, name):
        """The value a field will have after this write (partial updates keep the stored one)."""
        if name in attrs:
            return attrs[name]
        return getattr(self.instance, name, None) if self.instance is not None else None


READ_ONLY_BASE = ("id", "version", "created_at", "updated_at")


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


WRITE_ERRORS = {
    **ERRORS,
    409: error_response(409, "Conflict (referenced record, duplicate)"),
    412: error_response(412, "Stale If-Match or version"),
    428: error_response(428, "If-Match or version required"),
}


def documented(serializer):
    """Declare the error responses every operation can really give."""
    return extend_schema_view(
        list=extend_schema(responses={200: serializer(many=True), **ERRORS}),
        retrieve=extend_schema(responses={200: serializer, **ERRORS}),
        create=extend_schema(responses={201: serializer, **WRITE_ERRORS}),
        update=extend_schema(responses={200: serializer, **WRITE_ERRORS}),
        partial_update=extend_schema(responses={200: serializer, **WRITE_ERRORS}),
        destroy=extend_schema(responses={204: None, **WRITE_ERRORS}),
    )


class CRMViewSet(RowListMixin, PreconditionMixin, ManyIdsMixin, HistoryMixin, viewsets.ModelViewSet):
    lookup_value_regex = r"\d+"

    def _act(self, operation):
        """Run a service on the locked object, made on the version the client read (If-Match or
        ``version``: 428 without either, 412 when stale)."""
        with transaction.atomic():
            instance = self.get_locked_object()
            self.check_version(instance)
            operation(instance)
        instance = self.refetched(instance.pk)
        return Response(self.get_serializer(instance).data, headers={"ETag": etag_for(instance)})

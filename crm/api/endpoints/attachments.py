"""Attachments of companies, meetings, agreements, projects and capital arrivals.

``{resource}/{id}/attachments/``: list and upload (multipart, field ``file``, optional ``title``
and ``note``); ``.../attachments/{aid}/``: one attachment, and ``DELETE`` (managers, with
``If-Match``); ``.../attachments/{aid}/download/``: the file itself, under the name it was
uploaded with. A record the user may not see (a confidential project, its agreements and capital
arrivals) answers 404 here too. ``attachments/``: the managers' audit list of every upload and
removal.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.http import FileResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.exceptions import APIException, NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from ... import access
from ...attachments import ATTACHABLE, attachment_create, attachment_delete
from ...models import Attachment
from ..exceptions import error_response
from ..fields import NameField
from ..preconditions import PreconditionMixin, etag_for

ERRORS = {
    401: error_response(401, "Not authenticated"),
    403: error_response(403, "Forbidden for this role"),
    404: error_response(404, "Not found (or a record you may not see)"),
}


class UploadTooLarge(APIException):
    status_code = 413
    default_code = "too_large"

    def __init__(self, limit: int):
        super().__init__(
            _("上传过大：文件上限为 %(limit)s 字节。 The upload is too large: a file may have at most %(limit)s bytes.")
            % {"limit": limit}
        )


def resource_of_type(type_id: int) -> str:
    """The API path (``projects``) of a content type id."""
    types = ContentType.objects.get_for_models(*ATTACHABLE.values(), for_concrete_models=False)
    return {types[model].pk: resource for resource, model in ATTACHABLE.items()}[type_id]


class AttachmentSerializer(serializers.ModelSerializer):
    file = serializers.SerializerMethodField(help_text="The download URL: GET it with the same credentials.")
    uploaded_by_name = NameField(source="uploaded_by", default=None)
    uploaded_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Attachment
        fields = [
            "id",
            "file",
            "name",
            "title",
            "note",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_by_name",
            "uploaded_at",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_file(self, attachment) -> str:
        resource = resource_of_type(attachment.target_type_id)
        url = reverse(
            f"{resource}-attachment-download", kwargs={"parent_pk": attachment.target_id, "pk": attachment.pk}
        )
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class AttachmentAuditSerializer(AttachmentSerializer):
    resource = serializers.SerializerMethodField(help_text="The resource the file belongs to, e.g. `projects`.")
    record = serializers.IntegerField(source="target_id", read_only=True)
    deleted_by_name = NameField(source="deleted_by", default=None)

    class Meta(AttachmentSerializer.Meta):
        fields = [
            *AttachmentSerializer.Meta.fields,
            "resource",
            "record",
            "deleted_at",
            "deleted_by",
            "deleted_by_name",
        ]
        read_only_fields = fields

    def get_resource(self, attachment) -> str:
        return resource_of_type(attachment.target_type_id)


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="PDF, image (PNG, JPEG, GIF, WebP) or Office document; judged by content.")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")


class AttachmentViewSet(PreconditionMixin, viewsets.GenericViewSet):
    """The attachments of one record; ``resource`` is set per record type in :func:`urlpatterns`."""

    resource = ""
    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]
    filter_backends = []
    queryset = Attachment.objects.none()  # for the schema; get_queryset() is the real one

    def parent(self):
        """The record the URL names, as this user may see it; a hidden one is a 404."""
        model = ATTACHABLE[self.resource]
        records = access.visible(self.request.user, model._default_manager.all())
        found = records.filter(pk=self.kwargs["parent_pk"]).first()
        if found is None:
            raise NotFound()
        return found

    def get_queryset(self):
        model = ATTACHABLE[self.resource]
        return (
            Attachment.objects.alive()
            .filter(
                target_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
                target_id=self.kwargs.get("parent_pk"),
            )
            .select_related("uploaded_by")
        )

    def get_object(self):
        self.parent()
        found = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if found is None:
            raise NotFound()
        return found

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method == "POST":
            # Refuse an oversized upload from its declared length, before reading the body.
            limit = settings.ATTACHMENT_MAX_BYTES
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit + 1024 * 1024:
                raise UploadTooLarge(limit)

    @extend_schema(
        responses={200: AttachmentSerializer(many=True), **ERRORS},
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
    )
    def list(self, request, *args, **kwargs):
        """The record's attachments, newest first, with who uploaded each and when."""
        self.parent()
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={
            201: AttachmentSerializer,
            400: error_response(400, "Validation error: a file missing, empty, too large or of a refused type"),
            413: error_response(413, "The upload is larger than ATTACHMENT_MAX_BYTES"),
            **ERRORS,
        },
    )
    def create(self, request, *args, **kwargs):
        """Attach a file (multipart field ``file``); its type is judged by its content."""
        target = self.parent()
        body = AttachmentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        attachment = attachment_create(
            target=target,
            upload=body.validated_data["file"],
            user=request.user,
            title=body.validated_data["title"],
            note=body.validated_data["note"],
        )
        attachment = self.get_queryset().get(pk=attachment.pk)
        url = self.request.build_absolute_uri(f"{self.request.path.rstrip('/')}/{attachment.pk}/")
        return Response(
            self.get_serializer(attachment).data, status=201, headers={"ETag": etag_for(attachment), "Location": url}
        )

    @extend_schema(responses={200: AttachmentSerializer, **ERRORS})
    def retrieve(self, request, *args, **kwargs):
        attachment = self.get_object()
        return Response(self.get_serializer(attachment).data, headers={"ETag": etag_for(attachment)})

    @extend_schema(
        responses={
            204: None,
            400: error_response(400, "Validation error (a version that is not an integer)"),
            412: error_response(412, "Stale If-Match or version"),
            428: error_response(428, "If-Match or version required"),
            **ERRORS,
        },
    )
    def destroy(self, request, *args, **kwargs):
        """Remove the attachment (managers): it leaves the lists; the audit list keeps who and when."""
        with transaction.atomic():
            attachment = self.get_locked_object()
            if attachment.deleted_at is not None:
                raise NotFound()  # removed by another manager while this request waited for the lock
            self.check_version(attachment)
            attachment_delete(attachment=attachment, user=request.user)
        return Response(status=204)

    # Binary, not JSON: kept out of the schema (whose rules want a JSON body for every 2xx). The
    # ``file`` field of every attachment is this URL.
    @extend_schema(exclude=True)
    def download(self, request, *args, **kwargs):
        """The file, streamed from the storage, under its original (Chinese) name."""
        attachment = self.get_object()
        try:
            handle = attachment.file.storage.open(attachment.file.name, "rb")
        except FileNotFoundError:
            raise NotFound(_("文件已不在存储中。 The file is missing from the storage.")) from None
        response = FileResponse(
            handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type
        )
        response["Content-Length"] = str(attachment.size)
        response["ETag"] = f'"{attachment.sha256}"'
        response["Cache-Control"] = "private, no-store"
        return response


class AttachmentAuditViewSet(viewsets.GenericViewSet):
    """Every attachment ever uploaded, removed ones included: who uploaded and who removed what (managers)."""

    serializer_class = AttachmentAuditSerializer
    filter_backends = []
    action_roles = {"list": frozenset({"manager"})}
    queryset = Attachment.objects.none()

    def get_queryset(self):
        return access.visible(self.request.user, Attachment.objects.all()).select_related("uploaded_by", "deleted_by")

    @extend_schema(
        responses={
            200: AttachmentAuditSerializer(many=True),
            400: error_response(400, "Validation error (a filter)"),
            **{status: ERRORS[status] for status in (401, 403)},
            404: error_response(404, "A page beyond the last"),
        },
        parameters=[
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
            OpenApiParameter("deleted", bool, description="true: only removed ones; false: only current ones"),
        ],
    )
    def list(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        deleted = request.query_params.get("deleted")
        if deleted is not None:
            if deleted not in ("true", "false"):
                raise serializers.ValidationError({"deleted": [_("须为 true 或 false。 Must be true or false.")]})
            queryset = queryset.filter(deleted_at__isnull=deleted == "false")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def urlpatterns() -> list:
    """The routes of every record type's attachments, and the audit list."""
    patterns = []
    for resource, model in ATTACHABLE.items():
        view = type(f"{model.__name__}AttachmentViewSet", (AttachmentViewSet,), {"resource": resource})
        base = f"{resource}/<int:parent_pk>/attachments/"
        patterns += [
            path(base, view.as_view({"get": "list", "post": "create"}), name=f"{resource}-attachment-list"),
            path(
                f"{base}<int:pk>/",
                view.as_view({"get": "retrieve", "delete": "destroy"}),
                name=f"{resource}-attachment-detail",
            ),
            path(
                f"{base}<int:pk>/download/", view.as_view({"get": "download"}), name=f"{resource}-attachment-download"
            ),
        ]
    patterns.append(path("attachments/", AttachmentAuditViewSet.as_view({"get": "list"}), name="attachment-audit"))
    return patterns

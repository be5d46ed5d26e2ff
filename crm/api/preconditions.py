"""Preconditions of writes: ``If-Match`` or the body's ``version`` (428 without, 412 when stale)."""

from __future__ import annotations

import re

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from .. import services
from .exceptions import PreconditionFailed, PreconditionRequired

_ETAG_RE = re.compile(r'^\s*(?:W/)?("?)(\d{1,18})\1\s*$')


def etag(version: int) -> str:
    """The ``ETag`` of a record at ``version``."""
    return f'"{version}"'


def etag_for(instance) -> str:
    return etag(instance.version)


def expected_version(request) -> int | None:
    """The version the client says it read: from ``If-Match`` or the body's ``version``.

    Returns None when the client sent ``If-Match: *``. Raises 428 when neither is present,
    400 when the body's version is not an integer, 412 when an If-Match cannot match.
    """
    header = request.headers.get("If-Match")
    body_version = request.data.get("version") if hasattr(request.data, "get") else None
    header_version = None
    if header is not None:
        if header.strip() == "*":
            header_version = "*"
        else:
            match = _ETAG_RE.match(header)
            if not match:
                raise PreconditionFailed()
            header_version = int(match.group(2))
    if body_version is not None:
        if isinstance(body_version, bool) or not isinstance(body_version, int | str):
            raise serializers.ValidationError({"version": [_("版本号必须是整数。 A valid integer is required.")]})
        try:
            body_version = int(body_version)
        except ValueError:
            raise serializers.ValidationError(
                {"version": [_("版本号必须是整数。 A valid integer is required.")]}
            ) from None
    if header_version is None and body_version is None:
        raise PreconditionRequired()
    if header_version not in (None, "*") and body_version is not None and header_version != body_version:
        raise PreconditionFailed()
    if header_version == "*" and body_version is None:
        return None
    return body_version if body_version is not None else header_version


class PreconditionMixin:
    """PUT, PATCH and DELETE need If-Match or ``version``; the check and write are atomic."""

    def get_locked_object(self):
        """The object the URL names (with the visibility rules), re-read under a row lock."""
        instance = self.get_object()
        try:
            return type(instance)._default_manager.select_for_update().get(pk=instance.pk)
        except ObjectDoesNotExist:
            # Deleted by a writer that held the lock while this one waited for it.
            raise NotFound() from None

    def seen_version(self, instance) -> int:
        """The version the client read (If-Match or the body's ``version``; ``*`` is any): 428
        when it sent neither."""
        expected = expected_version(self.request)
        return instance.version if expected is None else expected

    def check_version(self, instance):
        """Refuse a stale precondition before the body is even validated (the services check it
        again, under the lock, as they write)."""
        services.check_version(instance, self.seen_version(instance))

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            instance = self.get_locked_object()
            services.delete(record=instance, user=self.request.user, seen_version=self.seen_version(instance))
        return Response(status=204)

"""Attachments: what a file is (read from its bytes), where it is stored, and the two writes.

The type of a file is decided by its content only: the magic bytes at its start, for Office
files the structure of the ZIP or OLE2 container. The name and the Content-Type the client sent
are never trusted. The file is stored under a random key (``attachments/2026/11/<uuid>.pdf``),
so a name like ``../../settings.py`` or ``合同.pdf`` is only ever data in the database.
"""

from __future__ import annotations

import hashlib
import posixpath
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Agreement, Attachment, CapitalArrival, Company, Meeting, Project
from .services import ServiceError

# The records that may carry attachments, by the API path of their resource.
ATTACHABLE: dict[str, type[models.Model]] = {
    "companies": Company,
    "meetings": Meeting,
    "agreements": Agreement,
    "projects": Project,
    "capital-arrivals": CapitalArrival,
}

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# How much of a file is read to tell its type (OLE2 directories of small files sit in the first KBs;
# the whole file is scanned for them anyway, in chunks).
HEAD_BYTES = 64


@dataclass(frozen=True)
class Kind:
    content_type: str
    extension: str


PDF = Kind("application/pdf", "pdf")
PNG = Kind("image/png", "png")
JPEG = Kind("image/jpeg", "jpg")
GIF = Kind("image/gif", "gif")
WEBP = Kind("image/webp", "webp")
DOCX = Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
XLSX = Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
PPTX = Kind("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx")
DOC = Kind("application/msword", "doc")
XLS = Kind("application/vnd.ms-excel", "xls")
PPT = Kind("application/vnd.ms-powerpoint", "ppt")

# The main part of each Office Open XML document type.
OOXML_PARTS = (("word/document.xml", DOCX), ("xl/workbook.xml", XLSX), ("ppt/presentation.xml", PPTX))
# Stream names of the legacy binary formats, as they appear (UTF-16LE) in an OLE2 directory.
OLE2_STREAMS = (("WordDocument", DOC), ("Workbook", XLS), ("Book", XLS), ("PowerPoint Document", PPT))

ALLOWED_DESCRIPTION = "PDF, PNG, JPEG, GIF, WebP, Word, Excel, PowerPoint (docx/xlsx/pptx, doc/xls/ppt)"


class AttachmentRefused(ServiceError):
    """An upload that is not accepted; the API answers 400 naming the ``file`` field."""

    def __init__(self, message, code="invalid"):
        super().__init__("file", message, code=code)


def _read_head(upload) -> bytes:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return head


def _ooxml_kind(upload) -> Kind | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    for part, kind in OOXML_PARTS:
        if part in names:
            return kind
    return None


def _ole2_kind(upload) -> Kind | None:
    """Which legacy Office document an OLE2 file holds, by the stream names in its directory."""
    wanted = [(name.encode("utf-16-le") + b"\x00\x00", kind) for name, kind in OLE2_STREAMS]
    upload.seek(0)
    tail = b""
    try:
        for chunk in iter(lambda: upload.read(1 << 16), b""):
            window = tail + chunk
            for marker, kind in wanted:
                if marker in window:
                    return kind
            tail = window[-64:]
    finally:
        upload.seek(0)
    return None


def sniff(upload) -> Kind | None:
    """The kind of file ``upload`` holds, read from its bytes; None for anything not accepted."""
    head = _read_head(upload)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_kind(upload)
    if head.startswith(OLE2_MAGIC):
        return _ole2_kind(upload)
    return None


def clean_name(raw: str, kind: Kind) -> str:
    """The name to show and download under: the last path part, no control characters, NFC."""
    name = unicodedata.normalize("NFC", str(raw or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if not name:
        name = f"attachment.{kind.extension}"
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = f"{stem[: 190 - len(extension)]}{dot}{extension}" if dot and len(extension) < 10 else name[:200]
    return name


def storage_key(kind: Kind) -> str:
    """A fresh random key: nothing of the uploader's name reaches the storage."""
    now = timezone.now()
    return posixpath.join("attachments", f"{now:%Y}", f"{now:%m}", f"{uuid.uuid4().hex}.{kind.extension}")


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1 << 16), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def check_upload(upload) -> Kind:
    """The kind of an acceptable upload; raises :class:`AttachmentRefused` (400 on ``file``) otherwise."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise AttachmentRefused(
            _("文件过大：上限为 %(limit)s 字节。 The file is too large: at most %(limit)s bytes.") % {"limit": limit},
            code="too_large",
        )
    if upload.size == 0:
        raise AttachmentRefused(_("文件为空。 The file is empty."), code="empty")
    kind = sniff(upload)
    if kind is None:
        raise AttachmentRefused(
            _(
                "不支持的文件类型（按文件内容判断），允许：%(allowed)s。 This type of file is not accepted (judged by its content); allowed: %(allowed)s."
            )
            % {"allowed": ALLOWED_DESCRIPTION},
            code="type",
        )
    return kind


def attachment_create(*, target: models.Model, upload, user, title: str = "", note: str = "") -> Attachment:
    """Check an upload, store it under a random key and record who attached it to ``target``."""
    kind = check_upload(upload)
    checksum = _sha256(upload)
    key = default_storage.save(storage_key(kind), upload)
    try:
        with transaction.atomic():
            attachment = Attachment(
                target_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
                target_id=target.pk,
                name=clean_name(getattr(upload, "name", ""), kind),
                title=title,
                note=note,
                content_type=kind.content_type,
                size=upload.size,
                sha256=checksum,
                uploaded_by=user,
            )
            attachment.file.name = key
            attachment.save()
    except BaseException:
        # The row never came to be: the stored bytes must not linger without it.
        default_storage.delete(key)
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: Attachment, user) -> Attachment:
    """Mark an attachment removed (who and when); the file stays for the audit list and backups."""
    attachment.deleted_at = timezone.now()
    attachment.deleted_by = user
    attachment.save(update_fields=["deleted_at", "deleted_by"])
    return attachment

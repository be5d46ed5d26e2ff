"""Files attached to records, and the lease that keeps one beat in the cluster (issue 10)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TrackedModel


def attachment_key(instance, filename: str) -> str:
    """The storage key is set by ``crm.attachments`` (random); this only keeps Django's API whole."""
    return instance.file.name or filename


class AttachmentQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)


class Attachment(TrackedModel):
    """A file attached to a company, meeting, agreement, project or capital arrival.

    The file lives in the configured storage (a folder under ``var/`` or an S3 bucket) under a
    random key; the name the uploader gave it is kept only here. Removing an attachment marks
    it deleted (who, when) and keeps the file, so the audit list can still say what it was.
    """

    target_type = models.ForeignKey(ContentType, verbose_name=_("所属类型"), on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField(_("所属记录"))
    target = GenericForeignKey("target_type", "target_id")
    file = models.FileField(_("文件"), upload_to=attachment_key, max_length=255)
    name = models.CharField(_("文件名"), max_length=255)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    note = models.TextField(_("说明"), blank=True)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("删除人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "deleted_at"], name="attachment_target_idx")]
        constraints = [models.UniqueConstraint(fields=["file"], name="attachment_file_key_unique")]

    def __str__(self):
        return self.title or self.name


class BeatLease(models.Model):
    """Who may run Celery beat now: one row per lock, held until ``expires_at`` (see ``crm.beat``)."""

    name = models.CharField(_("名称"), max_length=64, primary_key=True)
    holder = models.CharField(_("持有者"), max_length=200)
    expires_at = models.DateTimeField(_("到期时间"))
    acquired_at = models.DateTimeField(_("取得时间"))

    class Meta:
        verbose_name = _("定时调度租约")
        verbose_name_plural = _("定时调度租约")

    def __str__(self):
        return f"{self.name}: {self.holder}"

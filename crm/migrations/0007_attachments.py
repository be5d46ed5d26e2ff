"""Attachments and their history (issue 10); the beat leader lease."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import crm.models.attachments


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("crm", "0006_webhooks"),
    ]

    operations = [
        migrations.CreateModel(
            name="Attachment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.PositiveIntegerField(default=1, editable=False, verbose_name="版本")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
                ("target_id", models.PositiveBigIntegerField(verbose_name="所属记录")),
                (
                    "file",
                    models.FileField(
                        max_length=255, upload_to=crm.models.attachments.attachment_key, verbose_name="文件"
                    ),
                ),
                ("name", models.CharField(max_length=255, verbose_name="文件名")),
                ("title", models.CharField(blank=True, max_length=200, verbose_name="标题")),
                ("note", models.TextField(blank=True, verbose_name="说明")),
                ("content_type", models.CharField(max_length=100, verbose_name="文件类型")),
                ("size", models.PositiveBigIntegerField(verbose_name="大小（字节）")),
                ("sha256", models.CharField(max_length=64, verbose_name="SHA-256")),
                ("deleted_at", models.DateTimeField(blank=True, null=True, verbose_name="删除时间")),
                (
                    "deleted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="删除人",
                    ),
                ),
                (
                    "target_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="contenttypes.contenttype",
                        verbose_name="所属类型",
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="上传人",
                    ),
                ),
            ],
            options={
                "verbose_name": "附件",
                "verbose_name_plural": "附件",
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(fields=["target_type", "target_id", "deleted_at"], name="attachment_target_idx")
                ],
                "constraints": [models.UniqueConstraint(fields=("file",), name="attachment_file_key_unique")],
            },
        ),
        migrations.CreateModel(
            name="BeatLease",
            fields=[
                ("name", models.CharField(max_length=64, primary_key=True, serialize=False, verbose_name="名称")),
                ("holder", models.CharField(max_length=200, verbose_name="持有者")),
                ("expires_at", models.DateTimeField(verbose_name="到期时间")),
                ("acquired_at", models.DateTimeField(verbose_name="取得时间")),
            ],
            options={
                "verbose_name": "定时调度租约",
                "verbose_name_plural": "定时调度租约",
            },
        ),
    ]

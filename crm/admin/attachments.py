"""Attachments in the admin: an inline on the five records that carry files.

The inline uploads through the same service as the API (``crm.attachments``): the type is judged
by the content, the file goes to the configured storage under a random key, and removing a row
(managers only) marks it deleted rather than erasing it. The audit list of every upload and
removal is the API's ``attachments/`` (managers).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.contenttypes.admin import BaseGenericInlineFormSet, GenericTabularInline
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..attachments import ATTACHABLE, AttachmentRefused, attachment_create, attachment_delete, check_upload
from ..models import Attachment

RESOURCE_OF_MODEL = {model: resource for resource, model in ATTACHABLE.items()}


def download_url(attachment: Attachment, model) -> str:
    resource = RESOURCE_OF_MODEL[model]
    return reverse(f"{resource}-attachment-download", kwargs={"parent_pk": attachment.target_id, "pk": attachment.pk})


class AttachmentInlineForm(forms.ModelForm):
    upload = forms.FileField(label=_("文件"), required=False, help_text=_("PDF、图片或 Office 文档，按内容判断类型"))

    class Meta:
        model = Attachment
        fields = ["title", "note"]
        widgets = {"note": forms.TextInput(attrs={"size": 30})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            # A stored file is never replaced: upload a new attachment instead.
            self.fields["upload"].disabled = True
            self.fields["upload"].help_text = ""

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if self.instance.pk is not None:
            return None
        if upload is None:
            raise ValidationError(_("请选择要上传的文件。 Choose a file to upload."), code="required")
        try:
            check_upload(upload)
        except AttachmentRefused as exc:
            raise ValidationError(exc.message, code=exc.code) from None
        return upload


class AttachmentFormSet(BaseGenericInlineFormSet):
    """New rows are uploaded by the service; removed rows are marked deleted, with who and when."""

    request_user = None

    def save_new(self, form, commit=True):
        return attachment_create(
            target=self.instance,
            upload=form.cleaned_data["upload"],
            user=self.request_user,
            title=form.cleaned_data.get("title", ""),
            note=form.cleaned_data.get("note", ""),
        )

    def delete_existing(self, obj, commit=True):
        if commit:
            attachment_delete(attachment=obj, user=self.request_user)


class AttachmentInline(GenericTabularInline):
    model = Attachment
    form = AttachmentInlineForm
    formset = AttachmentFormSet
    ct_field = "target_type"
    ct_fk_field = "target_id"
    extra = 0
    fields = ["upload", "download", "title", "note", "size_display", "uploaded_by", "created_at"]
    readonly_fields = ["download", "size_display", "uploaded_by", "created_at"]
    verbose_name = _("附件")
    verbose_name_plural = _("附件")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(deleted_at__isnull=True).select_related("uploaded_by")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"request_user": request.user})

    @admin.display(description=_("文件名"))
    def download(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html('<a href="{}">{}</a>', download_url(obj, self.parent_model), obj.name)

    @admin.display(description=_("大小"))
    def size_display(self, obj):
        return filesizeformat(obj.size) if obj is not None and obj.pk is not None else "—"

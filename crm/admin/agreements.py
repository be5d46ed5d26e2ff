"""Agreements: signing goes through ``agreement_sign`` (the project moves to 签约 with it)."""

from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import services
from ..imports import AgreementResource
from ..models import Agreement
from ..models.choices import AgreementStatus
from .attachments import AttachmentInline
from .base import CRMAdmin, CRMImportExportMixin, amount_column


@admin.register(Agreement)
class AgreementAdmin(CRMImportExportMixin, CRMAdmin):
    resource_classes = [AgreementResource]
    list_display = ["title", "kind", "status", "signed_on", "amount_display", "project", "meeting"]
    list_select_related = ["project", "meeting"]
    list_filter = ["status", "kind", ("companies", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["search_text", "companies__name", "project__name"]
    date_hierarchy = "signed_on"
    autocomplete_fields = ["companies", "meeting", "project"]
    fieldsets = [
        (None, {"fields": ["title", "kind", "companies", ("meeting", "project")]}),
        (_("签约"), {"fields": [("status", "signed_on"), "amount", "summary"]}),
    ]
    inlines = [AttachmentInline]
    actions = ["sign"]

    amount_display = amount_column("amount", _("协议金额"))

    @admin.action(description=_("签约所选草拟协议（未填签约日期的记为今天）"), permissions=["change"])
    def sign(self, request, queryset):
        signed = 0
        with transaction.atomic():
            for agreement in queryset.filter(status=AgreementStatus.DRAFT).select_for_update(of=("self",)):
                try:
                    with transaction.atomic():
                        services.agreement_sign(agreement=agreement, user=request.user)
                    signed += 1
                except services.ServiceError as exc:
                    self.message_user(request, f"{agreement}：{exc.message}", messages.WARNING)
        self.message_user(request, gettext("%(count)d 份协议已签约。") % {"count": signed}, messages.SUCCESS)

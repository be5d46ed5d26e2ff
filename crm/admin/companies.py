"""Industries, partners (companies, labs, funds, parks, government bodies) and their people."""

from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from ..imports import CompanyResource, ContactResource, IndustryResource
from ..models import Company, Contact, Industry
from .attachments import AttachmentInline
from .base import CRMAdmin, CRMExportMixin, CRMImportExportMixin, LockedInlineMixin


@admin.register(Industry)
class IndustryAdmin(CRMExportMixin, CRMAdmin):
    resource_classes = [IndustryResource]
    list_display = ["name", "name_en", "code", "parent"]
    list_select_related = ["parent"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["search_text", "parent__name"]
    autocomplete_fields = ["parent"]
    ordering = ["code"]


class ContactInline(LockedInlineMixin, admin.TabularInline):
    model = Contact
    fields = ["name", "name_en", "title", "phone", "email"]
    extra = 1


@admin.register(Company)
class CompanyAdmin(CRMImportExportMixin, CRMAdmin):
    resource_classes = [CompanyResource]
    list_display = [
        "name",
        "short_name",
        "kind",
        "credit_code",
        "city",
        "fortune500_rank",
        "is_listed",
        "is_local_origin",
        "owner",
        "contact_count",
    ]
    list_select_related = ["owner"]
    list_filter = [
        "kind",
        "is_listed",
        "is_local_origin",
        "is_home_side",
        ("industries", admin.RelatedOnlyFieldListFilter),
        "province",
        ("owner", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["search_text"]
    search_help_text = _("按名称、简称、英文名称或统一社会信用代码查找")
    autocomplete_fields = ["parent", "owner", "industries"]
    inlines = [ContactInline, AttachmentInline]
    fieldsets = [
        (None, {"fields": ["name", ("short_name", "name_en"), "kind", "credit_code", "parent", "industries"]}),
        (_("地区"), {"fields": [("city", "province", "country")]}),
        (
            _("特征"),
            {"fields": ["fortune500_rank", ("is_listed", "is_local_origin", "is_home_side"), "website", "tags"]},
        ),
        (_("跟进"), {"fields": ["owner", "description"]}),
    ]

    def get_queryset(self, request):
        # A subquery, not a GROUP BY: the model's ordering stays, and so does SELECT … FOR UPDATE.
        contacts = Contact.objects.filter(company=OuterRef("pk")).order_by().values("company").annotate(n=Count("id"))
        return super().get_queryset(request).annotate(contact_total=Coalesce(Subquery(contacts.values("n")), 0))

    @admin.display(description=_("联系人"), ordering="contact_total")
    def contact_count(self, obj):
        return obj.contact_total


@admin.register(Contact)
class ContactAdmin(CRMImportExportMixin, CRMAdmin):
    resource_classes = [ContactResource]
    list_display = ["name", "title", "company", "phone", "email"]
    list_select_related = ["company"]
    search_fields = ["search_text", "company__name", "phone", "email"]
    autocomplete_fields = ["company"]
    fields = ["company", ("name", "name_en"), "title", ("phone", "email"), "notes"]

"""``contacts/``: people at partners (联系人)."""

from __future__ import annotations

from django_filters import rest_framework as filters
from rest_framework import serializers

from ...models import Company, Contact
from ..base import READ_ONLY_BASE, CRMSerializer, CRMViewSet, documented


class ContactSerializer(CRMSerializer):
    company_name = serializers.CharField(source="company.name", read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id", "company", "company_name", "name", "name_en", "title", "phone", "email", "notes",
            *READ_ONLY_BASE[1:],
        ]  # fmt: skip
        read_only_fields = READ_ONLY_BASE


class ContactFilterSet(filters.FilterSet):
    company = filters.ModelChoiceFilter(queryset=Company.objects.all())

    class Meta:
        model = Contact
        fields = ["company"]


@documented(ContactSerializer)
class ContactViewSet(CRMViewSet):
    queryset = Contact.objects.select_related("company")
    serializer_class = ContactSerializer
    filterset_class = ContactFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["name", "created_at", "id"]

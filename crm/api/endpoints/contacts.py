"""``contacts/``: people at partners (联系人)."""

from __future__ import annotations

from django_filters import rest_framework as filters

from ...models import Company, Contact
from ..base import TRACKED, CRMSerializer, CRMViewSet, documented
from ..lists import Shape


class ContactSerializer(CRMSerializer):
    class Meta:
        model = Contact
        fields = ["company", "name", "name_en", "title", "phone", "email", "notes"]


class ContactFilterSet(filters.FilterSet):
    company = filters.ModelChoiceFilter(queryset=Company.objects.all())

    class Meta:
        model = Contact
        fields = ["company"]


@documented
class ContactViewSet(CRMViewSet):
    queryset = Contact.objects.all()
    shape = Shape(Contact, {
        "id": "id",
        "company": "company",
        "company_name": "company__name",
        "name": "name",
        "name_en": "name_en",
        "title": "title",
        "phone": "phone",
        "email": "email",
        "notes": "notes",
        **TRACKED,
    })  # fmt: skip
    serializer_class = ContactSerializer
    filterset_class = ContactFilterSet
    search_fields = ["search_text"]
    ordering_fields = ["name", "created_at", "id"]

import datetime

from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import filters

from .. import access
from ..models import Agreement, Industry, Project
from ..models.base import normalize_search
from ..services import today


class OrderingFilter(filters.OrderingFilter):
    """``?ordering=``, ties broken by the id in the same direction: a list's order is total, so
    pages neither repeat nor skip rows, and the links can name positions (pagination.Keyset)."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if (
            ordering
            and isinstance(ordering[-1], str)
            and not any(isinstance(term, str) and term.lstrip("-") in ("id", "pk") for term in ordering)
        ):
            ordering = [*ordering, "-pk" if ordering[-1].startswith("-") else "pk"]
        return ordering


class SearchFilter(filters.SearchFilter):
    """``?search=``: case- and width-insensitive (NFKC + casefold), Chinese and English."""

    def get_search_terms(self, request):
        return [normalize_search(term) for term in super().get_search_terms(request)]


def _guarded(clean):
    """A filter field's ``clean`` that answers a value beyond what Python can hold as a 400."""

    def guarded_clean(value):
        try:
            cleaned = clean(value)
            if isinstance(cleaned, datetime.datetime) and cleaned.tzinfo is not None:
                cleaned.astimezone(datetime.UTC)  # the database compares in UTC: year 1 at +14:00 is year 0
            return cleaned
        except (OverflowError, RecursionError):
            raise forms.ValidationError(
                _("数值超出允许范围。 The value is out of range."), code="out_of_range"
            ) from None

    return guarded_clean


class DjangoFilterBackend(rest_framework.DjangoFilterBackend):
    """django-filter's backend, where a value that overflows (year 1 at +14:00) is a 400 naming the filter."""

    def filter_queryset(self, request, queryset, view):
        # A request that names none of the filters (a plain page of a list) would still build the
        # filter set and validate its empty form, about a millisecond for nothing: an empty value
        # filters nothing, in django-filter's filters and in the ``method=`` ones alike.
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not any(
            param.startswith(name) for param in request.query_params for name in filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            for field in filterset.form.fields.values():
                field.clean = _guarded(field.clean)
        return filterset


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(rest_framework.TypedChoiceFilter):
    """``true`` or ``false``; anything else is a 400, not silently ignored."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        kwargs.setdefault("coerce", lambda value: value == "true")
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(rest_framework.ModelChoiceFilter):
    """A reference by id whose matching is done by a method (many-to-many, hierarchy)."""


def visible_projects(request):
    if request is None or not request.user.is_authenticated:
        return Project.objects.none()
    return access.visible(request.user, Project.objects.all())


def visible_agreements(request):
    if request is None or not request.user.is_authenticated:
        return Agreement.objects.none()
    return access.visible(request.user, Agreement.objects.all())


def with_descendants(industry: Industry) -> list[int]:
    """An industry and every industry below it (the tree is small: one query)."""
    children = {}
    for pk, parent_id in Industry.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, stack = [], [industry.pk]
    while stack:
        pk = stack.pop()
        if pk in found:
            continue
        found.append(pk)
        stack.extend(children.get(pk, []))
    return found


def filter_industry(queryset, name, value):
    if value is None:
        return queryset
    through = queryset.model.industries.through
    source = queryset.model._meta.model_name
    return queryset.filter(
        Exists(through.objects.filter(**{f"{source}_id": OuterRef("pk"), "industry_id__in": with_descendants(value)}))
    )


def exists_in(field: str):
    """A filter method for a many-to-many reference that never duplicates rows."""

    def method(queryset, name, value):
        if value is None:
            return queryset
        m2m = queryset.model._meta.get_field(field)
        through = m2m.remote_field.through
        return queryset.filter(
            Exists(
                through.objects.filter(
                    **{f"{m2m.m2m_field_name()}_id": OuterRef("pk"), f"{m2m.m2m_reverse_field_name()}_id": value.pk}
                )
            )
        )

    return method


def filter_overdue(queryset, name, value):
    """``?overdue=true`` (or ``false``) on a list whose model says what overdue means today
    (``overdue_condition``, the rule its ``overdue`` column shows too)."""
    late = queryset.model.overdue_condition(today())
    return queryset.filter(late) if value else queryset.exclude(late)

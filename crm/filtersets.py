"""FilterSets of the v1 contract. Every reference filter takes an id and validates it (400)."""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from . import access
from .models import (
    ROLE_NAMES,
    Agreement,
    CapitalArrival,
    Company,
    Contact,
    Industry,
    Meeting,
    Milestone,
    PartnerRequest,
    Project,
    Task,
    Trip,
    User,
)
from .models.choices import (
    AgreementKind,
    AgreementStatus,
    CompanyKind,
    MeetingKind,
    MilestoneKind,
    ProjectStage,
    RequestStatus,
    TaskPriority,
    TaskStatus,
)
from .services import today


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(filters.TypedChoiceFilter):
    """``true`` or ``false``; anything else is a 400, not silently ignored."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        kwargs.setdefault("coerce", lambda value: value == "true")
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.ModelChoiceFilter):
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


class UserFilterSet(filters.FilterSet):
    group = filters.ChoiceFilter(choices=[(r, r) for r in ROLE_NAMES], method="filter_group")
    is_active = StrictBooleanFilter()

    class Meta:
        model = User
        fields = ["group", "is_active"]

    def filter_group(self, queryset, name, value):
        return queryset.filter(Exists(User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=value)))


class IndustryFilterSet(filters.FilterSet):
    parent = filters.ModelChoiceFilter(queryset=Industry.objects.all())
    is_root = StrictBooleanFilter(field_name="parent", lookup_expr="isnull", label=_("顶级产业"))

    class Meta:
        model = Industry
        fields = ["parent"]


class CompanyFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=CompanyKind.choices)
    industry = IdFilter(queryset=Industry.objects.all(), method=filter_industry)
    city = filters.CharFilter()
    province = filters.CharFilter()
    country = filters.CharFilter()
    owner = filters.ModelChoiceFilter(queryset=User.objects.all())
    is_local_origin = StrictBooleanFilter()
    is_listed = StrictBooleanFilter()
    is_home_side = StrictBooleanFilter()
    parent = filters.ModelChoiceFilter(queryset=Company.objects.all())
    credit_code = filters.CharFilter()

    class Meta:
        model = Company
        fields = ["kind", "industry", "city", "owner", "is_local_origin", "parent"]


class ContactFilterSet(filters.FilterSet):
    company = filters.ModelChoiceFilter(queryset=Company.objects.all())

    class Meta:
        model = Contact
        fields = ["company"]


class TripFilterSet(filters.FilterSet):
    class Meta:
        model = Trip
        fields = {"start_date": ["gte", "lte"], "end_date": ["gte", "lte"], "destination": ["exact"]}


class MeetingFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=MeetingKind.choices)
    trip = filters.ModelChoiceFilter(queryset=Trip.objects.all())
    company = IdFilter(queryset=Company.objects.all(), method=exists_in("companies"))
    attendee = IdFilter(queryset=Contact.objects.all(), method=exists_in("attendees"))
    owner = filters.ModelChoiceFilter(queryset=User.objects.all())

    class Meta:
        model = Meeting
        fields = {"starts_at": ["gte", "lte"]}


class PartnerRequestFilterSet(filters.FilterSet):
    company = filters.ModelChoiceFilter(queryset=Company.objects.all())
    status = filters.MultipleChoiceFilter(choices=RequestStatus.choices)
    assignee = filters.ModelChoiceFilter(queryset=User.objects.all())
    meeting = filters.ModelChoiceFilter(queryset=Meeting.objects.all())
    overdue = StrictBooleanFilter(method="filter_overdue")

    class Meta:
        model = PartnerRequest
        fields = {"raised_on": ["gte", "lte"], "due_on": ["gte", "lte"]}

    def filter_overdue(self, queryset, name, value):
        late = Q(status__in=[RequestStatus.OPEN, RequestStatus.IN_PROGRESS], due_on__lt=today())
        return queryset.filter(late) if value else queryset.exclude(late)


class AgreementFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=AgreementKind.choices)
    company = IdFilter(queryset=Company.objects.all(), method=exists_in("companies"))
    status = filters.MultipleChoiceFilter(choices=AgreementStatus.choices)
    meeting = filters.ModelChoiceFilter(queryset=Meeting.objects.all())
    project = filters.ModelChoiceFilter(queryset=visible_projects)

    class Meta:
        model = Agreement
        fields = {"signed_on": ["gte", "lte"], "amount": ["gte", "lte"]}


class ProjectFilterSet(filters.FilterSet):
    stage = filters.MultipleChoiceFilter(choices=ProjectStage.choices)
    company = filters.ModelChoiceFilter(queryset=Company.objects.all())
    industry = IdFilter(queryset=Industry.objects.all(), method=filter_industry)
    owner = filters.ModelChoiceFilter(queryset=User.objects.all())
    location = filters.CharFilter()
    is_confidential = StrictBooleanFilter()
    team_member = IdFilter(queryset=User.objects.all(), method=exists_in("team"))

    class Meta:
        model = Project
        fields = {
            "total_investment": ["gte", "lte"],
            "contracted_investment": ["gte", "lte"],
            "stage_changed_on": ["gte", "lte"],
        }


class CapitalArrivalFilterSet(filters.FilterSet):
    project = filters.ModelChoiceFilter(queryset=visible_projects)

    class Meta:
        model = CapitalArrival
        fields = {"arrived_on": ["gte", "lte"]}


class MilestoneFilterSet(filters.FilterSet):
    project = filters.ModelChoiceFilter(queryset=visible_projects)
    kind = filters.ChoiceFilter(choices=MilestoneKind.choices)
    assignee = filters.ModelChoiceFilter(queryset=User.objects.all())
    done = StrictBooleanFilter(field_name="done_on", method="filter_done")
    overdue = StrictBooleanFilter(method="filter_overdue")

    class Meta:
        model = Milestone
        fields = {"due_on": ["gte", "lte"]}

    def filter_done(self, queryset, name, value):
        return queryset.filter(done_on__isnull=not value)

    def filter_overdue(self, queryset, name, value):
        late = Q(done_on__isnull=True, due_on__lt=today())
        return queryset.filter(late) if value else queryset.exclude(late)


class TaskFilterSet(filters.FilterSet):
    assignee = filters.ModelChoiceFilter(queryset=User.objects.all())
    status = filters.MultipleChoiceFilter(choices=TaskStatus.choices)
    priority = filters.MultipleChoiceFilter(choices=TaskPriority.choices)
    company = filters.ModelChoiceFilter(queryset=Company.objects.all())
    meeting = filters.ModelChoiceFilter(queryset=Meeting.objects.all())
    agreement = filters.ModelChoiceFilter(queryset=visible_agreements)
    project = filters.ModelChoiceFilter(queryset=visible_projects)
    overdue = StrictBooleanFilter(method="filter_overdue")

    class Meta:
        model = Task
        fields = {"due_on": ["gte", "lte"]}

    def filter_overdue(self, queryset, name, value):
        late = Q(status__in=[TaskStatus.OPEN, TaskStatus.IN_PROGRESS], due_on__lt=today())
        return queryset.filter(late) if value else queryset.exclude(late)

"""What a leader reads before visiting a partner (走访前简报), as data; the API shows it as JSON or
as a printable page. A fixed number of queries whatever the partner's history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q
from django.utils import timezone

from .. import access
from ..models import Company, Contact, Meeting, Milestone, PartnerRequest, Project, Task, User
from ..models.choices import RequestStatus
from ..services import today as local_today
from .timeline import agreements_of, company_family, tasks_of

MEETINGS_SHOWN = 5
AGREEMENTS_SHOWN = 20
OPEN_REQUEST = (RequestStatus.OPEN, RequestStatus.IN_PROGRESS)


def company_briefing(
    *, company: Company, user: User, include_subsidiaries: bool = False, today: dt.date | None = None
) -> dict:
    """The partner's profile, subsidiaries, people met, last meetings, open requests, projects,
    agreements and overdue items; projects ``user`` may not see are left out everywhere."""
    today = today or local_today()
    ids = company_family(company, include_subsidiaries=include_subsidiaries)
    projects = access.visible(user, Project.objects.all()).filter(company_id__in=ids)
    open_requests = _open_requests(ids, today)
    return {
        "generated_on": today,
        "include_subsidiaries": include_subsidiaries,
        "company": _profile(company),
        "subsidiaries": [
            {"id": pk, "name": name, "short_name": short_name, "city": city}
            for pk, name, short_name, city in company.subsidiaries.order_by("name", "id").values_list(
                "pk", "name", "short_name", "city"
            )
        ],
        "people": _people(ids),
        "meetings": _meetings(ids),
        "open_requests": open_requests,
        "projects": _projects(projects),
        "agreements": _agreements(ids, user),
        "overdue": {
            "milestones": _overdue_milestones(projects, user, today),
            "tasks": _overdue_tasks(ids, user, today),
            "requests": [request for request in open_requests if request["overdue"]],
        },
    }


def _profile(company: Company) -> dict:
    return {
        "id": company.pk,
        "name": company.name,
        "short_name": company.short_name,
        "name_en": company.name_en,
        "kind": company.kind,
        "kind_display": company.get_kind_display(),
        "city": company.city,
        "province": company.province,
        "country": company.country,
        "fortune500_rank": company.fortune500_rank,
        "is_listed": company.is_listed,
        "is_local_origin": company.is_local_origin,
        "website": company.website,
        "description": company.description,
        "tags": list(company.tags or []),
        "industries": list(company.industries.order_by("code").values_list("name", flat=True)),
        "parent": company.parent_id,
        "parent_name": company.parent.name if company.parent_id else None,
        "owner_name": str(company.owner) if company.owner_id else None,
    }


def _people(ids: list[int]) -> list[dict]:
    """The partner's people who took part in a meeting, the last met first."""
    held = Q(meetings__starts_at__lte=timezone.now())
    people = (
        Contact.objects.filter(company_id__in=ids)
        .select_related("company")
        .annotate(
            meeting_count=Count("meetings", filter=held, distinct=True),
            last_met_at=Max("meetings__starts_at", filter=held),
        )
        .filter(meeting_count__gt=0)
        .order_by("-last_met_at", "name", "id")
    )
    return [
        {
            "id": person.pk,
            "name": person.name,
            "title": person.title,
            "company_name": person.company.name,
            "meetings": person.meeting_count,
            "last_met_on": timezone.localdate(person.last_met_at),
        }
        for person in people
    ]


def _meetings(ids: list[int]) -> list[dict]:
    """The last meetings held (not those still to come), with both sides' attendees."""
    present = Meeting.companies.through.objects.filter(meeting_id=OuterRef("pk"), company_id__in=ids)
    attendees = Prefetch("attendees", queryset=Contact.objects.select_related("company").order_by("name", "id"))
    meetings = (
        Meeting.objects.filter(Exists(present), starts_at__lte=timezone.now())
        .select_related("owner")
        .prefetch_related(attendees)
        .order_by("-starts_at", "-id")[:MEETINGS_SHOWN]
    )
    return [
        {
            "id": meeting.pk,
            "title": meeting.title,
            "kind": meeting.kind,
            "kind_display": meeting.get_kind_display(),
            "starts_at": timezone.localtime(meeting.starts_at),
            "location": meeting.location,
            "summary": meeting.summary,
            "outcomes": meeting.outcomes,
            "owner_name": str(meeting.owner) if meeting.owner_id else None,
            "attendees": [
                {"id": person.pk, "name": person.name, "title": person.title, "company_name": person.company.name}
                for person in meeting.attendees.all()
            ],
        }
        for meeting in meetings
    ]


def _open_requests(ids: list[int], today: dt.date) -> list[dict]:
    requests = (
        PartnerRequest.objects.filter(company_id__in=ids, status__in=OPEN_REQUEST)
        .select_related("company", "assignee")
        .order_by("due_on", "raised_on", "id")
    )
    return [
        {
            "id": request.pk,
            "company_name": request.company.name,
            "raised_on": request.raised_on,
            "category": request.category,
            "description": request.description,
            "status": request.status,
            "status_display": request.get_status_display(),
            "due_on": request.due_on,
            "overdue": request.due_on is not None and request.due_on < today,
            "days_overdue": (today - request.due_on).days if request.due_on and request.due_on < today else None,
            "assignee_name": str(request.assignee) if request.assignee_id else None,
        }
        for request in requests
    ]


def _projects(projects) -> list[dict]:
    rows = projects.select_related("owner").with_arrived("arrived", zero=True).order_by("-stage_changed_on", "-id")
    return [
        {
            "id": project.pk,
            "name": project.name,
            "is_confidential": project.is_confidential,
            "stage": project.stage,
            "stage_display": project.get_stage_display(),
            "stage_changed_on": project.stage_changed_on,
            "location": project.location,
            "total_investment": project.total_investment,
            "contracted_investment": project.contracted_investment,
            "arrived_investment": project.arrived,
            "owner_name": str(project.owner) if project.owner_id else None,
        }
        for project in rows
    ]


def _agreements(ids: list[int], user: User) -> list[dict]:
    agreements = (
        access.visible(user, agreements_of(ids))
        .select_related("project", "meeting")
        .order_by("-signed_on", "-id")[:AGREEMENTS_SHOWN]
    )
    return [
        {
            "id": agreement.pk,
            "title": agreement.title,
            "kind": agreement.kind,
            "kind_display": agreement.get_kind_display(),
            "status": agreement.status,
            "status_display": agreement.get_status_display(),
            "signed_on": agreement.signed_on,
            "amount": agreement.amount,
            "project_name": agreement.project.name if agreement.project_id else None,
            "meeting_title": agreement.meeting.title if agreement.meeting_id else None,
        }
        for agreement in agreements
    ]


def _overdue_milestones(projects, user: User, today: dt.date) -> list[dict]:
    milestones = (
        access.visible(user, Milestone.objects.all())
        .filter(Milestone.overdue_condition(today), project__in=projects.values("pk"))
        .select_related("project", "assignee")
        .order_by("due_on", "id")
    )
    return [
        {
            "id": milestone.pk,
            "title": milestone.title,
            "project_name": milestone.project.name,
            "due_on": milestone.due_on,
            "days_overdue": (today - milestone.due_on).days,
            "assignee_name": str(milestone.assignee) if milestone.assignee_id else None,
        }
        for milestone in milestones
    ]


def _overdue_tasks(ids: list[int], user: User, today: dt.date) -> list[dict]:
    tasks = access.visible(user, tasks_of(ids)).filter(Task.overdue_condition(today))
    return [
        {
            "id": task.pk,
            "title": task.title,
            "due_on": task.due_on,
            "days_overdue": (today - task.due_on).days,
            "status": task.status,
            "status_display": task.get_status_display(),
            "assignee_name": str(task.assignee) if task.assignee_id else None,
        }
        for task in tasks.select_related("assignee").order_by("due_on", "id")
    ]


def printable(briefing: dict) -> dict:
    """The template context of the printed briefing: amounts as people write them (亿元, 万元)."""
    for project in briefing["projects"]:
        for name in ("total_investment", "contracted_investment", "arrived_investment"):
            project[f"{name}_text"] = yuan_text(project[name])
    for agreement in briefing["agreements"]:
        agreement["amount_text"] = yuan_text(agreement["amount"]) if agreement["amount"] is not None else "—"
    return {"briefing": briefing, "company": briefing["company"]}


def yuan_text(amount: Decimal | None) -> str:
    """An amount as people write it: 20亿元, 7500万元, 3200元; an unknown one as 未披露."""
    if amount is None:
        return "未披露"
    for unit, name in ((Decimal(10**8), "亿元"), (Decimal(10**4), "万元")):
        if abs(amount) >= unit:
            return f"{_trim(amount / unit)}{name}"
    return f"{_trim(amount)}元"


def _trim(number: Decimal) -> str:
    text = f"{number.quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text

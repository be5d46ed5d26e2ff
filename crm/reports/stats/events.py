"""What the signings of one conference became after 6, 12 and 24 months."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from ... import access
from ...models import Meeting, Project, User
from ...models.choices import ProjectStage
from ...services import today as local_today
from .common import (
    ZERO,
    add_months,
    arrived_by,
    first_signing,
    has_reached,
    planned_for_their_values,
    rate,
    reached_on,
    signings,
    total,
)

CHECKPOINT_MONTHS = (6, 12, 24)


@planned_for_their_values
def event_outcomes(*, user: User, meeting: Meeting, today: dt.date | None = None) -> dict:
    """The signings at ``meeting`` and what their projects had become at each checkpoint.

    The projects are those whose first signing was at this meeting (a project signed again here
    belongs to the earlier event). A checkpoint still in the future has no figures. Only the
    signings ``user`` may see are read, so the figures and the lists leave out the projects hidden
    from them (managers see all).
    """
    today = today or local_today()
    held_on = timezone.localdate(meeting.starts_at)
    agreements = signings(user).filter(meeting=meeting)
    agreement_rows = list(agreements.order_by().values_list("amount", flat=True))
    first_here = agreements.filter(first_signing())
    cohort = access.visible(user, Project.objects.all()).filter(Exists(first_here.filter(project_id=OuterRef("pk"))))
    projects = cohort.aggregate(
        count=Count("pk"), investment=Sum("total_investment"), contracted=Sum("contracted_investment")
    )

    def figures_at(day: dt.date) -> dict:
        found = cohort.aggregate(
            started_construction=Count("pk", filter=Q(has_reached(ProjectStage.CONSTRUCTION, day))),
            in_production=Count("pk", filter=Q(has_reached(ProjectStage.PRODUCTION, day))),
            capital_arrived=Sum(arrived_by(day)),
            arrived_of_contracted=Sum(arrived_by(day), filter=Q(contracted_investment__isnull=False)),
        )
        return {
            "started_construction": found["started_construction"],
            "in_production": found["in_production"],
            "capital_arrived": found["capital_arrived"] or ZERO,
            "capital_arrival_rate": rate(found["arrived_of_contracted"] or ZERO, projects["contracted"] or ZERO),
        }

    checkpoints = []
    for months in CHECKPOINT_MONTHS:
        day = add_months(held_on, months)
        reached = day <= today
        empty = dict.fromkeys(("started_construction", "in_production", "capital_arrived", "capital_arrival_rate"))
        checkpoints.append(
            {"months": months, "date": day, "reached": reached, **(figures_at(day) if reached else empty)}
        )

    return {
        "meeting": {
            "id": meeting.pk,
            "title": meeting.title,
            "kind": meeting.kind,
            "kind_display": meeting.get_kind_display(),
            "date": held_on,
            "location": meeting.location,
        },
        "agreements": len(agreement_rows),
        "amount": total(agreement_rows),
        "projects": projects["count"],
        "total_investment": projects["investment"] or ZERO,
        "contracted_investment": projects["contracted"] or ZERO,
        "checkpoints": checkpoints,
        "current": {"date": today, **figures_at(today)},
        "project_list": _projects(cohort, first_here, today),
        "agreement_list": _agreements(agreements),
    }


def _projects(cohort, first_here, today) -> list[dict]:
    signed_on = first_here.filter(project_id=OuterRef("pk")).values("signed_on")[:1]
    projects = cohort.annotate(
        signed_on=Subquery(signed_on),
        construction_on=reached_on(ProjectStage.CONSTRUCTION, today),
        production_on=reached_on(ProjectStage.PRODUCTION, today),
        arrived=arrived_by(today),
    )
    return [
        {
            "id": project.pk,
            "name": project.name,
            "company": project.company_id,
            "company_name": project.company.name if project.company_id else None,
            "signed_on": project.signed_on,
            "stage": project.stage,
            "stage_display": project.get_stage_display(),
            "total_investment": project.total_investment,
            "contracted_investment": project.contracted_investment,
            "construction_on": project.construction_on,
            "production_on": project.production_on,
            "capital_arrived": project.arrived,
        }
        for project in projects.select_related("company").order_by(F("total_investment").desc(nulls_last=True), "id")
    ]


def _agreements(agreements) -> list[dict]:
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
            "project": agreement.project_id,
            "project_name": agreement.project.name if agreement.project_id else None,
        }
        for agreement in agreements.select_related("project").order_by("signed_on", "id")
    ]

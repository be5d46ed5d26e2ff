"""What the signings of one conference became after 6, 12 and 24 months."""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.utils import timezone

from ... import access
from ...models import Meeting, Project, User
from ...models.choices import ProjectStage
from ...services import today as local_today
from .common import (
    add_months,
    arrivals_by_project,
    arrived_by,
    first_signing,
    rate,
    reached_on,
    signings,
    stage_histories,
    total,
)

CHECKPOINT_MONTHS = (6, 12, 24)


def event_outcomes(*, user: User, meeting: Meeting, today: dt.date | None = None) -> dict:
    """The signings at ``meeting`` and what their projects had become at each checkpoint.

    The projects are those whose first signing was at this meeting (a project signed again here
    belongs to the earlier event). A checkpoint still in the future has no figures. Only the
    signings ``user`` may see are read, so the figures and the lists leave out the projects hidden
    from them (managers see all).
    """
    today = today or local_today()
    held_on = timezone.localdate(meeting.starts_at)
    agreements = signings(user).filter(meeting=meeting).annotate(first_id=first_signing("id", "project_id"))
    agreement_rows = list(
        agreements.order_by().values_list("id", "signed_on", "amount", "project_id", "first_id", named=True)
    )
    cohort = access.visible(user, Project.objects.all()).filter(
        pk__in=agreements.filter(id=F("first_id")).values("project_id")
    )
    projects = list(cohort.order_by().values_list("pk", "total_investment", "contracted_investment", named=True))
    histories = stage_histories(user, cohort.values("pk"))
    arrivals = arrivals_by_project(user, cohort.values("pk"))

    def figures_at(day: dt.date) -> dict:
        with_contract = [p for p in projects if p.contracted_investment is not None]
        return {
            "started_construction": sum(
                1 for p in projects if reached_on(histories.get(p.pk, []), ProjectStage.CONSTRUCTION, day)
            ),
            "in_production": sum(
                1 for p in projects if reached_on(histories.get(p.pk, []), ProjectStage.PRODUCTION, day)
            ),
            "capital_arrived": total(arrived_by(arrivals.get(p.pk, []), day) for p in projects),
            "capital_arrival_rate": rate(
                total(arrived_by(arrivals.get(p.pk, []), day) for p in with_contract),
                total(p.contracted_investment for p in with_contract),
            ),
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
        "amount": total(row.amount for row in agreement_rows),
        "projects": len(projects),
        "total_investment": total(p.total_investment for p in projects),
        "contracted_investment": total(p.contracted_investment for p in projects),
        "checkpoints": checkpoints,
        "current": {"date": today, **figures_at(today)},
        "project_list": _projects(cohort, histories, arrivals, agreement_rows, today),
        "agreement_list": _agreements(agreements),
    }


def _projects(cohort, histories, arrivals, agreement_rows, today) -> list[dict]:
    signed_on = {row.project_id: row.signed_on for row in agreement_rows if row.project_id and row.id == row.first_id}
    return [
        {
            "id": project.pk,
            "name": project.name,
            "company": project.company_id,
            "company_name": project.company.name if project.company_id else None,
            "signed_on": signed_on.get(project.pk),
            "stage": project.stage,
            "stage_display": project.get_stage_display(),
            "total_investment": project.total_investment,
            "contracted_investment": project.contracted_investment,
            "construction_on": reached_on(histories.get(project.pk, []), ProjectStage.CONSTRUCTION, today),
            "production_on": reached_on(histories.get(project.pk, []), ProjectStage.PRODUCTION, today),
            "capital_arrived": arrived_by(arrivals.get(project.pk, []), today),
        }
        for project in cohort.select_related("company").order_by(F("total_investment").desc(nulls_last=True), "id")
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

"""The yearly figures a bureau is assessed on (履约率, 开工率, 竣工率, 资金到位率, 目标完成率 ...)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils.translation import gettext as _

from ... import access
from ...models import CapitalArrival, InvestmentTarget, Milestone, Project, User
from ...models.choices import MilestoneKind, ProjectStage
from ...models.targets import FIRST_YEAR, LAST_YEAR
from ...services import today as local_today
from .common import (
    BILLION,
    HUNDRED_MILLION,
    ZERO,
    StatsInputError,
    arrived_by,
    first_signing,
    has_reached,
    planned_for_their_values,
    rate,
    signings,
)


@planned_for_their_values
def kpis(*, user: User, year: int, as_of: dt.date | None = None, today: dt.date | None = None) -> dict:
    """The assessment figures of ``year``, counted on or before ``as_of``.

    ``as_of`` defaults to the earlier of today and 31 December of the year (1 January for a year
    still to come). Only the projects ``user`` may see are counted, with their milestones, stage
    changes and capital arrivals: a manager's figures are the bureau's, and a user outside a
    confidential project's need-to-know gets figures without it. The target is the same for all.
    """
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise StatsInputError(
            {
                "year": [
                    _("年度须在 %(first)s 到 %(last)s 之间。 Year out of range.")
                    % {"first": FIRST_YEAR, "last": LAST_YEAR}
                ]
            }
        )
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    # A year not begun yet is counted to its first day (nothing is dated after today anyway).
    as_of = as_of or min(max(today or local_today(), start), end)
    if as_of < start:
        raise StatsInputError({"as_of": [_("统计截止日不能早于该年度。 as_of cannot be before the year.")]})
    until = min(as_of, end)

    # The year's signed projects: those whose first signing falls in the year (up to as_of).
    projects = access.visible(user, Project.objects.all())
    first_in_year = signings(user).filter(first_signing(), signed_on__gte=start, signed_on__lte=until)
    cohort = projects.filter(Exists(first_in_year.filter(project_id=OuterRef("pk"))))
    signed = cohort.aggregate(
        count=Count("pk"),
        investment=Sum("total_investment"),
        without_investment=Count("pk", filter=Q(total_investment__isnull=True)),
        over_100m=Count("pk", filter=Q(total_investment__gte=HUNDRED_MILLION)),
        over_1b=Count("pk", filter=Q(total_investment__gte=BILLION)),
        started=Count("pk", filter=Q(has_reached(ProjectStage.CONSTRUCTION, as_of))),
        with_contract=Count("pk", filter=Q(contracted_investment__isnull=False)),
        contracted=Sum("contracted_investment"),
        arrived=Sum(arrived_by(as_of), filter=Q(contracted_investment__isnull=False)),
    )

    # Projects planned to start construction (to complete) in the year, by their milestones due so
    # far, and how many of them had reached the stage by as_of.
    def planned(kind: str, stage: str) -> dict:
        due = Milestone.objects.filter(kind=kind, due_on__gte=start, due_on__lte=until).values("project_id")
        due_projects = projects.filter(pk__in=due)
        return _ratio(due_projects.filter(has_reached(stage, as_of)).count(), due_projects.count())

    signed_investment = signed["investment"] or ZERO
    contracted = signed["contracted"] or ZERO
    arrived = signed["arrived"] or ZERO
    target = InvestmentTarget.objects.filter(year=year).values_list("amount", "note").first()
    arrived_in_year = access.visible(
        user, CapitalArrival.objects.filter(arrived_on__gte=start, arrived_on__lte=until)
    ).aggregate(total=Sum("amount"))["total"]
    return {
        "year": year,
        "as_of": as_of,
        "signed_projects": signed["count"],
        "signed_investment": signed_investment,
        "projects_without_investment": signed["without_investment"],
        "projects_over_100m": signed["over_100m"],
        "projects_over_1b": signed["over_1b"],
        "target": target[0] if target else None,
        "target_note": target[1] if target else "",
        "target_completion_rate": rate(signed_investment, target[0]) if target else None,
        "fulfilment": _ratio(signed["started"], signed["count"]),
        "construction_start": planned(MilestoneKind.CONSTRUCTION_START, ProjectStage.CONSTRUCTION),
        "completion": planned(MilestoneKind.COMPLETION, ProjectStage.COMPLETED),
        "capital_arrival": {
            "arrived": arrived,
            "contracted": contracted,
            "projects": signed["with_contract"],
            "rate": rate(arrived, contracted),
        },
        "capital_arrived_in_year": arrived_in_year or ZERO,
    }


def _ratio(numerator: int, denominator: int) -> dict:
    return {"numerator": numerator, "denominator": denominator, "rate": rate(numerator, denominator)}

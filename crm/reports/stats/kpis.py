"""The yearly figures a bureau is assessed on (履约率, 开工率, 竣工率, 资金到位率, 目标完成率 ...)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils.translation import gettext as _

from ... import access
from ...models import CapitalArrival, InvestmentTarget, Milestone, Project, User
from ...models.choices import MilestoneKind, ProjectStage
from ...models.targets import FIRST_YEAR, LAST_YEAR
from ...services import today as local_today
from .common import (
    BILLION,
    HUNDRED_MILLION,
    StatsInputError,
    arrivals_by_project,
    arrived_by,
    first_signing,
    rate,
    reached_on,
    stage_histories,
    total,
)


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
    cohort = projects.annotate(signed_on=first_signing("signed_on", "pk")).filter(
        signed_on__gte=start, signed_on__lte=until
    )
    signed = list(cohort.order_by().values_list("pk", "total_investment", "contracted_investment", named=True))
    # Projects planned to start construction (to complete) in the year, by their milestones due so far.
    planned = set(
        access.visible(user, Milestone.objects.all())
        .filter(
            kind__in=[MilestoneKind.CONSTRUCTION_START, MilestoneKind.COMPLETION], due_on__gte=start, due_on__lte=until
        )
        .order_by()
        .values_list("project_id", "kind")
        .distinct()
    )
    planned_starts = {project_id for project_id, kind in planned if kind == MilestoneKind.CONSTRUCTION_START}
    planned_completions = {project_id for project_id, kind in planned if kind == MilestoneKind.COMPLETION}
    histories = stage_histories(
        user,
        projects.filter(Q(pk__in=cohort.values("pk")) | Q(pk__in=planned_starts | planned_completions)).values("pk"),
    )
    arrivals = arrivals_by_project(user, cohort.values("pk"))

    def reached(project_ids, stage) -> int:
        return sum(1 for pk in project_ids if reached_on(histories.get(pk, []), stage, as_of))

    signed_ids = [row.pk for row in signed]
    signed_investment = total(row.total_investment for row in signed)
    with_contract = [row for row in signed if row.contracted_investment is not None]
    contracted = total(row.contracted_investment for row in with_contract)
    arrived = total(arrived_by(arrivals.get(row.pk, []), as_of) for row in with_contract)
    target = InvestmentTarget.objects.filter(year=year).values_list("amount", "note").first()
    arrived_in_year = total(
        access.visible(user, CapitalArrival.objects.filter(arrived_on__gte=start, arrived_on__lte=until)).values_list(
            "amount", flat=True
        )
    )
    started = reached(signed_ids, ProjectStage.CONSTRUCTION)
    return {
        "year": year,
        "as_of": as_of,
        "signed_projects": len(signed),
        "signed_investment": signed_investment,
        "projects_without_investment": sum(1 for row in signed if row.total_investment is None),
        "projects_over_100m": sum(1 for row in signed if (row.total_investment or 0) >= HUNDRED_MILLION),
        "projects_over_1b": sum(1 for row in signed if (row.total_investment or 0) >= BILLION),
        "target": target[0] if target else None,
        "target_note": target[1] if target else "",
        "target_completion_rate": rate(signed_investment, target[0]) if target else None,
        "fulfilment": _ratio(started, len(signed)),
        "construction_start": _ratio(reached(planned_starts, ProjectStage.CONSTRUCTION), len(planned_starts)),
        "completion": _ratio(reached(planned_completions, ProjectStage.COMPLETED), len(planned_completions)),
        "capital_arrival": {
            "arrived": arrived,
            "contracted": contracted,
            "projects": len(with_contract),
            "rate": rate(arrived, contracted),
        },
        "capital_arrived_in_year": arrived_in_year,
    }


def _ratio(numerator: int, denominator: int) -> dict:
    return {"numerator": numerator, "denominator": denominator, "rate": rate(numerator, denominator)}

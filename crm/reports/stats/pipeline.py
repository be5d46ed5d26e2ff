"""Projects by stage, the median time spent in each stage, and the projects that stopped moving."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext as _

from ... import access
from ...api.endpoints.projects import ProjectFilterSet
from ...models import Project, ProjectStageChange, User
from ...models.choices import ProjectStage
from ...services import today as local_today
from .common import (
    ZERO,
    StatsInputError,
    apply_filters,
    histograms,
    median_days,
    param_values,
    planned_for_their_values,
)

FILTERS = ("stage", "company", "industry", "owner", "location", "total_investment__gte", "total_investment__lte")
STAGES = [*(stage for stage in ProjectStage.values if stage not in ("stalled", "dropped")), "stalled", "dropped"]
# A project at full production or dropped has arrived: it is never "stalled".
FINAL_STAGES = (ProjectStage.FULL_PRODUCTION, ProjectStage.DROPPED)
DEFAULT_STALLED_DAYS, MAX_STALLED_DAYS = 180, 3650
# The JSON answer lists at most this many stalled projects by default (``stalled_limit``); the
# spreadsheet lists them all. ``stalled_count`` always counts every one.
DEFAULT_STALLED_LIMIT, MAX_STALLED_LIMIT = 100, 1000


@planned_for_their_values
def pipeline_stats(
    *,
    user: User,
    params: Mapping | None = None,
    stalled_days: int = DEFAULT_STALLED_DAYS,
    stalled_limit: int | None = None,
    today: dt.date | None = None,
    medians: bool = True,
) -> dict:
    """Every stage with its projects, their total investment and the median days spent in it.

    Only the projects ``user`` may see are read (managers see all). ``stalled`` names those that
    have been in a stage other than full production or dropped for more than ``stalled_days``
    (the longest stalled ``stalled_limit`` of them, or all when it is ``None``); ``stalled_count``
    counts them all. ``medians=False`` leaves the days out (None), as the dashboard, which draws
    the counts and amounts only, asks.
    """
    if not 1 <= stalled_days <= MAX_STALLED_DAYS:
        raise StatsInputError(
            {"stalled_days": [_("须在 1 到 %(max)s 之间。 Must be between 1 and %(max)s.") % {"max": MAX_STALLED_DAYS}]}
        )
    today = today or local_today()
    cutoff = today - dt.timedelta(days=stalled_days)
    visible = access.visible(user, Project.objects.all())
    filtered = apply_filters(ProjectFilterSet, visible, params, FILTERS).qs
    projects = filtered.annotate(since=Coalesce("stage_changed_on", TruncDate("created_at")))

    # One row per stage: counts and exact sums by the database, the stalled counted there too.
    figures = {stage: Figures() for stage in STAGES}
    sums = (
        projects.order_by()
        .values_list("stage")
        .annotate(
            count=Count("pk"),
            investment=Sum("total_investment"),
            without_investment=Count("pk", filter=Q(total_investment__isnull=True)),
            stalled=Count("pk", filter=~Q(stage__in=FINAL_STAGES) & Q(since__lt=cutoff)),
        )
    )
    stalled = 0
    for stage, count, investment, without_investment, stalled_here in sums:
        figures[stage].add(count, investment, without_investment)
        stalled += stalled_here
    current, stays = {}, {}
    if medians:
        # The median days in the stage now, from how many projects entered it on each day: a few
        # thousand rows whatever the number of projects (the days are counted from ``since``).
        entered = projects.order_by().values_list("stage", "since").annotate(count=Count("pk"))
        current = histograms((stage, (today - since).days, count) for stage, since, count in entered)
        # The ended stays (``stay_days`` of each move), counted by length. The stays of the
        # projects the user may see; narrowed to the filtered projects when a filter narrows them.
        ended = access.visible(user, ProjectStageChange.objects.filter(stay_days__isnull=False))
        if any(param_values(params, name) for name in FILTERS):
            ended = ended.filter(project__in=filtered.values("pk"))
        stays = histograms(ended.order_by().values_list("to_stage", "stay_days").annotate(count=Count("*")))

    stages = [
        {
            "stage": stage,
            "label": ProjectStage(stage).label,
            **figures[stage].as_dict(),
            "stays": sum(count for _days, count in stays.get(stage, [])) if medians else None,
            "median_days": median_days(stays.get(stage, [])),
            "median_days_current": median_days(current.get(stage, [])),
        }
        for stage in STAGES
    ]
    everything = Figures()
    for stage in figures.values():
        everything.add(stage.projects, stage.total_investment, stage.projects_without_investment)
    return {
        "stalled_days": stalled_days,
        "totals": everything.as_dict(),
        "stages": stages,
        "stalled_count": stalled,
        "stalled": _stalled_projects(projects, cutoff, today, stalled_limit),
    }


class Figures:
    """The projects of a stage (or of all): how many, their exact total investment, and how many
    have none."""

    def __init__(self):
        self.projects, self.total_investment, self.projects_without_investment = 0, ZERO, 0

    def add(self, count: int, investment, without_investment: int) -> None:
        self.projects += count
        self.total_investment += investment or ZERO
        self.projects_without_investment += without_investment

    def as_dict(self) -> dict:
        return {
            "projects": self.projects,
            "total_investment": self.total_investment,
            "projects_without_investment": self.projects_without_investment,
        }


def _stalled_projects(projects, cutoff: dt.date, today: dt.date, limit: int | None) -> list[dict]:
    """The stalled ones of the (visible) ``projects``, the longest stalled first, at most ``limit``
    (all when it is None)."""
    if limit == 0:
        return []
    # The page's ids first (sorting only the date and id), then the rows of those ids.
    order = (F("since").asc(), "id")
    ids = projects.exclude(stage__in=FINAL_STAGES).filter(since__lt=cutoff).order_by(*order).values("pk")
    if limit is not None:
        ids = ids[:limit]
    stalled = projects.filter(pk__in=ids).select_related("company", "owner").order_by(*order)
    return [
        {
            "id": project.pk,
            "name": project.name,
            "stage": project.stage,
            "stage_display": project.get_stage_display(),
            "since": project.since,
            "days": (today - project.since).days,
            "company": project.company_id,
            "company_name": project.company.name if project.company_id else None,
            "owner": project.owner_id,
            "owner_name": str(project.owner) if project.owner_id else None,
            "location": project.location,
            "total_investment": project.total_investment,
        }
        for project in stalled
    ]

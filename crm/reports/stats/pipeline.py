"""Projects by stage, the median time spent in each stage, and the projects that stopped moving."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping

from django.db.models import F
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext as _

from ... import access
from ...api.endpoints.projects import ProjectFilterSet
from ...models import Project, User
from ...models.choices import ProjectStage
from ...services import today as local_today
from .common import StatsInputError, apply_filters, median_days, stage_histories, total

FILTERS = ("stage", "company", "industry", "owner", "location", "total_investment__gte", "total_investment__lte")
STAGES = [*(stage for stage in ProjectStage.values if stage not in ("stalled", "dropped")), "stalled", "dropped"]
# A project at full production or dropped has arrived: it is never "stalled".
FINAL_STAGES = (ProjectStage.FULL_PRODUCTION, ProjectStage.DROPPED)
DEFAULT_STALLED_DAYS, MAX_STALLED_DAYS = 180, 3650
# The JSON answer lists at most this many stalled projects by default (``stalled_limit``); the
# spreadsheet lists them all. ``stalled_count`` always counts every one.
DEFAULT_STALLED_LIMIT, MAX_STALLED_LIMIT = 100, 1000


def pipeline_stats(
    *,
    user: User,
    params: Mapping | None = None,
    stalled_days: int = DEFAULT_STALLED_DAYS,
    stalled_limit: int | None = None,
    today: dt.date | None = None,
) -> dict:
    """Every stage with its projects, their total investment and the median days spent in it.

    Only the projects ``user`` may see are read (managers see all). ``stalled`` names those that
    have been in a stage other than full production or dropped for more than ``stalled_days``
    (the longest stalled ``stalled_limit`` of them, or all when it is ``None``); ``stalled_count``
    counts them all.
    """
    if not 1 <= stalled_days <= MAX_STALLED_DAYS:
        raise StatsInputError(
            {"stalled_days": [_("须在 1 到 %(max)s 之间。 Must be between 1 and %(max)s.") % {"max": MAX_STALLED_DAYS}]}
        )
    today = today or local_today()
    cutoff = today - dt.timedelta(days=stalled_days)
    visible = access.visible(user, Project.objects.all())
    projects = apply_filters(ProjectFilterSet, visible, params, FILTERS).qs.annotate(
        since=Coalesce("stage_changed_on", TruncDate("created_at"))
    )

    rows = list(projects.order_by().values_list("pk", "stage", "total_investment", "since", named=True))
    by_stage = defaultdict(list)
    for row in rows:
        by_stage[row.stage].append(row)
    stays = _completed_stays(stage_histories(user, projects.values("pk")))

    stages = []
    for stage in STAGES:
        members = by_stage.get(stage, [])
        stages.append(
            {
                "stage": stage,
                "label": ProjectStage(stage).label,
                "projects": len(members),
                "total_investment": total(row.total_investment for row in members),
                "projects_without_investment": sum(1 for row in members if row.total_investment is None),
                "stays": len(stays[stage]),
                "median_days": median_days(stays[stage]),
                "median_days_current": median_days([(today - row.since).days for row in members]),
            }
        )
    stalled = [row for row in rows if row.stage not in FINAL_STAGES and row.since < cutoff]
    return {
        "stalled_days": stalled_days,
        "totals": {
            "projects": len(rows),
            "total_investment": total(row.total_investment for row in rows),
            "projects_without_investment": sum(1 for row in rows if row.total_investment is None),
        },
        "stages": stages,
        "stalled_count": len(stalled),
        "stalled": _stalled_projects(projects, cutoff, today, stalled_limit),
    }


def _completed_stays(histories) -> dict[str, list[int]]:
    """Days between entering a stage and the next move, for every stay that has ended."""
    stays: dict[str, list[int]] = defaultdict(list)
    for moves in histories.values():
        for (stage, entered_on, _correction), (_next, left_on, _c) in zip(moves, moves[1:], strict=False):
            stays[stage].append((left_on - entered_on).days)
    return stays


def _stalled_projects(projects, cutoff: dt.date, today: dt.date, limit: int | None) -> list[dict]:
    """The stalled ones of the (visible) ``projects``, the longest stalled first, at most ``limit``."""
    stalled = (
        projects.exclude(stage__in=FINAL_STAGES)
        .filter(since__lt=cutoff)
        .select_related("company", "owner")
        .order_by(F("since").asc(), "id")
    )
    if limit is not None:
        stalled = stalled[:limit]
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

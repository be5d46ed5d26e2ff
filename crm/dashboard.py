"""The admin index as a leader's dashboard: a few numbers, each from one or two queries.

- **Projects by stage** and **signed investment this year, by industry** are the numbers of the
  stats API (``crm.reports.stats``, docs/stats.md), so the dashboard and ``/api/v1/stats/`` always agree:
  projects first signed this calendar year with their total investment, each project once, under
  each of its industries. Like every figure, they leave out the confidential projects the user
  may not see (managers see all), so two users may see different bars.
- **The year's target** (年度签约目标, set by managers), when there is one: the signed total the
  user sees as a share of it.
- **Overdue milestones and tasks**: open ones whose due date has passed, with the ten oldest.
- **Open partner requests**: 待处理 and 办理中, the ten oldest first.

The overdue panel lists the items the user may see too: the milestones and tasks of a
confidential project are left out for users outside its need-to-know.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from . import access, services
from .formatting import format_amount
from .models import InvestmentTarget, Milestone, PartnerRequest, Task
from .models.choices import AgreementStatus, RequestStatus
from .reports.stats.pipeline import pipeline_stats
from .reports.stats.signed import signed_stats

SIGNED_STATUSES = [AgreementStatus.SIGNED, AgreementStatus.IN_FORCE, AgreementStatus.COMPLETED]
OPEN_REQUEST = [RequestStatus.OPEN, RequestStatus.IN_PROGRESS]
TOP = 10


@dataclass
class Bar:
    """One line of a bar chart: a label, a count, an amount, and the bar's width in percent."""

    label: str
    count: int
    amount: Decimal | None
    key: str = ""
    percent: float = 0.0

    @property
    def amount_display(self) -> str:
        return format_amount(self.amount) if self.amount is not None else "—"


def _scale(bars: list[Bar], by: str) -> list[Bar]:
    top = max((getattr(bar, by) or 0 for bar in bars), default=0)
    for bar in bars:
        value = getattr(bar, by) or 0
        bar.percent = round(float(value) / float(top) * 100, 1) if top else 0.0
    return bars


def projects_by_stage(user) -> list[Bar]:
    """Every stage, in the order projects move through them: the numbers of ``stats/pipeline/``."""
    bars = [
        Bar(
            label=str(row["label"]),
            key=row["stage"],
            count=row["projects"],
            # Unknown when no project of the stage has an amount yet, rather than a misleading 0.
            amount=row["total_investment"] if row["projects_without_investment"] < row["projects"] else None,
        )
        for row in pipeline_stats(user=user, stalled_limit=0, medians=False)["stages"]
    ]
    return _scale(bars, "count")


def signed_investment_by_industry(user, year: int) -> tuple[list[Bar], Bar]:
    """Projects first signed in ``year`` and their total investment, per industry: ``stats/signed/``."""
    data = signed_stats(
        user=user,
        params={"signed_on__gte": f"{year}-01-01", "signed_on__lte": f"{year}-12-31"},
        group_by="industry",
        top=0,
    )
    bars = [
        Bar(label=str(group["label"]), count=group["projects"], amount=group["total_investment"])
        for group in data["groups"]
        if group["projects"]
    ]
    totals = data["totals"]
    total = Bar(label=_("合计"), count=totals["projects"], amount=totals["total_investment"])
    return _scale(bars, "amount"), total


def overdue(user, today: dt.date) -> dict:
    milestones = access.visible(user, Milestone.objects.all()).filter(Milestone.overdue_condition(today))
    tasks = access.visible(user, Task.objects.all()).filter(Task.overdue_condition(today))
    return {
        "milestone_count": milestones.count(),
        "milestones": list(milestones.select_related("project", "assignee").order_by("due_on", "id")[:TOP]),
        "task_count": tasks.count(),
        "tasks": list(tasks.select_related("project", "assignee").order_by("due_on", "id")[:TOP]),
    }


def open_requests(user) -> dict:
    requests = PartnerRequest.objects.filter(status__in=OPEN_REQUEST)
    return {
        "count": requests.count(),
        "rows": list(requests.select_related("company", "assignee").order_by("raised_on", "id")[:TOP]),
    }


def target_progress(year: int, signed: Decimal) -> dict | None:
    """The year's signing target (年度签约目标) and how much of it is signed, when one is set."""
    target = InvestmentTarget.objects.filter(year=year).values_list("amount", flat=True).first()
    if not target:
        return None
    return {
        "amount_display": format_amount(target),
        "percent": round(float(signed) / float(target) * 100, 1),
        "bar": min(100.0, round(float(signed) / float(target) * 100, 1)),
    }


def build(user) -> dict:
    today = services.today()
    by_industry, signed_total = signed_investment_by_industry(user, today.year)
    return {
        "today": today,
        "year": today.year,
        "stages": projects_by_stage(user),
        "by_industry": by_industry,
        "signed_total": signed_total,
        "target": target_progress(today.year, signed_total.amount),
        "overdue": overdue(user, today),
        "requests": open_requests(user),
    }


def admin_dashboard(request) -> dict:
    """Context processor: ``dashboard`` on the admin index only, computed when the page reads it."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name != "admin:index" or not request.user.is_authenticated:
        return {}
    return {"dashboard": SimpleLazyObject(lambda: build(request.user))}

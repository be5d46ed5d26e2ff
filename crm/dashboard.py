"""The admin index as a leader's dashboard: a few numbers, each from one or two queries.

- **Projects by stage**: how many projects are at each stage, and their total investment.
- **Signed investment this year, by industry**: agreements signed this calendar year
  (Asia/Shanghai) that concern a project. Each such project counts once: with the sum of the
  amounts of its agreements signed this year, or its total investment when none of them
  carries an amount. A project in several industries counts in each; the total counts it once.
- **The year's target** (年度签约目标, set by managers), when there is one: the signed total
  as a share of it. Confidential projects count only for those who may see them.
- **Overdue milestones and tasks**: open ones whose due date has passed, with the ten oldest.
- **Open partner requests**: 待处理 and 办理中, the ten oldest first.

Confidential projects, and their milestones, tasks and agreements, are left out for users
who may not see them, as everywhere else.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from . import services
from .choices import STAGE_ORDER, AgreementStatus, ProjectStage, RequestStatus, TaskStatus
from .formatting import format_amount
from .models import Agreement, InvestmentTarget, Milestone, PartnerRequest, Project, Task

SIGNED_STATUSES = [AgreementStatus.SIGNED, AgreementStatus.IN_FORCE, AgreementStatus.COMPLETED]
OPEN_TASK = [TaskStatus.OPEN, TaskStatus.IN_PROGRESS]
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
    """Every stage, in the order projects move through them, with its count and investment."""
    rows = {
        row["stage"]: row
        for row in Project.objects.visible_to(user)
        .order_by()
        .values("stage")
        .annotate(count=Count("id"), total=Sum("total_investment"))
    }
    stages = [*STAGE_ORDER, ProjectStage.STALLED, ProjectStage.DROPPED]
    bars = [
        Bar(
            label=str(stage.label),
            key=stage.value,
            count=rows.get(stage, {}).get("count", 0),
            amount=rows.get(stage, {}).get("total"),
        )
        for stage in stages
    ]
    return _scale(bars, "count")


def signed_investment_by_industry(user, year: int) -> tuple[list[Bar], Bar]:
    """Signed investment of ``year`` per industry (see the module docstring), and the total."""
    agreements = (
        Agreement.objects.visible_to(user)
        .filter(status__in=SIGNED_STATUSES, signed_on__year=year, project__isnull=False)
        .values_list("project_id", "amount", "project__total_investment")
    )
    amounts: dict[int, Decimal | None] = {}
    fallback: dict[int, Decimal | None] = {}
    for project_id, amount, total_investment in agreements:
        fallback[project_id] = total_investment
        if amount is not None:
            amounts[project_id] = (amounts.get(project_id) or Decimal(0)) + amount
    per_project = {pid: amounts.get(pid, fallback[pid]) or Decimal(0) for pid in fallback}

    industries: dict[int | None, list] = defaultdict(lambda: ["", Decimal(0), 0])
    links = Project.industries.through.objects.filter(project_id__in=list(per_project)).values_list(
        "project_id", "industry_id", "industry__name"
    )
    classified = set()
    for project_id, industry_id, name in links:
        entry = industries[industry_id]
        entry[0] = name
        entry[1] += per_project[project_id]
        entry[2] += 1
        classified.add(project_id)
    for project_id in set(per_project) - classified:
        entry = industries[None]
        entry[0] = _("未分类")
        entry[1] += per_project[project_id]
        entry[2] += 1
    bars = sorted(
        (Bar(label=name, count=count, amount=amount) for name, amount, count in industries.values()),
        key=lambda bar: (-bar.amount, bar.label),
    )
    total = Bar(label=_("合计"), count=len(per_project), amount=sum(per_project.values(), Decimal(0)))
    return _scale(bars, "amount"), total


def overdue(user, today: dt.date) -> dict:
    milestones = Milestone.objects.visible_to(user).filter(done_on__isnull=True, due_on__lt=today)
    tasks = Task.objects.visible_to(user).filter(status__in=OPEN_TASK, due_on__lt=today)
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

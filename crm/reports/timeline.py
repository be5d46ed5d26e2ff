"""Everything about a partner in time order: one UNION ALL of small per-kind rows picks the page,
then one query per kind on the page reads what the page shows.

The cost of a page is fixed whatever the length of the history: the page's keys with the count
(one statement), and at most one query per kind (plus the attendees of its meetings). Each kind is
found through indexes (``agreements_of``, ``tasks_of``). See ``docs/stats.md``.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import DateTimeField, Exists, F, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import access
from ..models import (
    Agreement,
    Company,
    Contact,
    Meeting,
    Milestone,
    PartnerRequest,
    Project,
    ProjectStageChange,
    Task,
    User,
)
from ..models.choices import ProjectStage, RequestStatus, TaskStatus
from ..services import today

# Items of the same day, newest first: what usually comes last in a day comes first here.
KINDS = {
    "stage_change": gettext_lazy("阶段变更"),
    "project": gettext_lazy("项目"),
    "agreement": gettext_lazy("协议"),
    "milestone": gettext_lazy("节点"),
    "task": gettext_lazy("跟进事项"),
    "request": gettext_lazy("企业诉求"),
    "meeting": gettext_lazy("会见活动"),
}
RANK = {kind: rank for rank, kind in enumerate(KINDS)}


def company_family(company: Company, *, include_subsidiaries: bool) -> list[int]:
    """The company's id, and with ``include_subsidiaries`` every company below it (one query)."""
    if not include_subsidiaries:
        return [company.pk]
    children = defaultdict(list)
    for pk, parent_id in Company.objects.filter(parent__isnull=False).values_list("pk", "parent_id"):
        children[parent_id].append(pk)
    found, stack = [], [company.pk]
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.append(pk)
            stack.extend(children[pk])
    return found


def agreements_of(company_ids: list[int]):
    """The agreements of the companies: those they signed, and those of their projects.

    As one ``id IN (… UNION ALL …)`` of two index reads: an OR of the two across the project's join
    made PostgreSQL read every agreement."""
    signed = Agreement.companies.through.objects.filter(company_id__in=company_ids).values("agreement_id")
    of_projects = Agreement.objects.filter(project_id__in=_project_ids(company_ids)).values("pk")
    return Agreement.objects.filter(pk__in=signed.order_by().union(of_projects.order_by(), all=True))


def tasks_of(company_ids: list[int]):
    """The tasks of the companies: their own, and those of their projects (read as ``agreements_of``)."""
    own = Task.objects.filter(company_id__in=company_ids).values("pk")
    of_projects = Task.objects.filter(project_id__in=_project_ids(company_ids)).values("pk")
    return Task.objects.filter(pk__in=own.order_by().union(of_projects.order_by(), all=True))


def _project_ids(company_ids: list[int]):
    return Project.objects.filter(company_id__in=company_ids).order_by().values("pk")


def _key(queryset, kind: str, on, at=None):
    """The rows a kind adds to the union: (kind, rank, id, date, datetime), nothing else."""
    return (
        queryset.annotate(
            t_kind=Value(kind),
            t_rank=Value(RANK[kind], output_field=IntegerField()),
            t_id=F("pk"),
            t_on=on,
            t_at=at if at is not None else Cast(Value(None), DateTimeField()),
        )
        .order_by()
        .values_list("t_kind", "t_rank", "t_id", "t_on", "t_at")
    )


class Timeline:
    """The timeline of a company (and its subsidiaries) as ``user`` may see it."""

    def __init__(self, *, company: Company, user: User, include_subsidiaries: bool = False, kinds=None):
        self.user = user
        self.company_ids = company_family(company, include_subsidiaries=include_subsidiaries)
        self.kinds = [kind for kind in KINDS if not kinds or kind in kinds]

    # What belongs to the company, with the visibility rules of the lists ---------------------

    def meetings(self):
        present = Meeting.companies.through.objects.filter(meeting_id=OuterRef("pk"), company_id__in=self.company_ids)
        return Meeting.objects.filter(Exists(present))

    def requests(self):
        return PartnerRequest.objects.filter(company_id__in=self.company_ids)

    def projects(self):
        return access.visible(self.user, Project.objects.all()).filter(company_id__in=self.company_ids)

    def agreements(self):
        return access.visible(self.user, agreements_of(self.company_ids))

    def stage_changes(self):
        # The first record of a project (from no stage) is the project's own item.
        return ProjectStageChange.objects.filter(project__in=self.projects().values("pk")).exclude(from_stage="")

    def milestones(self):
        return access.visible(self.user, Milestone.objects.all()).filter(project__company_id__in=self.company_ids)

    def tasks(self):
        return access.visible(self.user, tasks_of(self.company_ids))

    # The union -------------------------------------------------------------------------------

    def _parts(self):
        created_on = TruncDate("created_at")
        first_move = (
            ProjectStageChange.objects.filter(project_id=OuterRef("pk"))
            .order_by("changed_on", "changed_at", "id")
            .values("changed_on")[:1]
        )
        parts = {
            "meeting": lambda: _key(self.meetings(), "meeting", TruncDate("starts_at"), F("starts_at")),
            "request": lambda: _key(self.requests(), "request", F("raised_on")),
            "agreement": lambda: _key(self.agreements(), "agreement", Coalesce("signed_on", created_on)),
            "project": lambda: _key(self.projects(), "project", Coalesce(Subquery(first_move), created_on)),
            "stage_change": lambda: _key(self.stage_changes(), "stage_change", F("changed_on")),
            "milestone": lambda: _key(self.milestones(), "milestone", Coalesce("done_on", "due_on")),
            "task": lambda: _key(self.tasks(), "task", Coalesce(TruncDate("done_at"), "due_on", created_on)),
        }
        return [parts[kind]() for kind in self.kinds]

    @cached_property
    def _union(self):
        """Built once for the count and the page (each query clones it)."""
        parts = self._parts()
        return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]

    def count(self) -> int:
        return self._union.count()

    def page(self, offset: int, limit: int) -> tuple[list[dict], int | None]:
        """Items ``offset`` to ``offset + limit`` (newest date first; a day's items by kind, time,
        id) and how many there are in all, read by the same statement as the page's keys: the
        union is not read twice. The count is None when the page is past the end."""
        keys, total = self._keys(offset, limit)
        ids = defaultdict(list)
        for kind, pk in keys:
            ids[kind].append(pk)
        found = {}
        for kind, pks in ids.items():
            for pk, item in getattr(self, f"_{kind}_items")(pks).items():
                found[(kind, pk)] = item
        return [found[(kind, pk)] for kind, pk in keys if (kind, pk) in found], total

    def _keys(self, offset: int, limit: int) -> tuple[list[tuple[str, int]], int | None]:
        """The page's (kind, id) and the count of the whole union (``COUNT(*) OVER ()``: the ORM
        cannot annotate a union, so the union's SQL is wrapped). The order is the ORM's
        ``order_by("-t_on", "t_rank", "-t_at", "-t_id")``, NULLs where the database puts them."""
        try:
            sql, params = self._union.query.get_compiler(self._union.db).as_sql()
        except EmptyResultSet:
            return [], None
        connection = connections[self._union.db]
        q = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {q('t_kind')}, {q('t_id')}, COUNT(*) OVER () FROM ({sql}) AS {q('timeline')} "
                f"ORDER BY {q('t_on')} DESC, {q('t_rank')} ASC, {q('t_at')} DESC, {q('t_id')} DESC "
                "LIMIT %s OFFSET %s",
                [*params, limit, offset],
            )
            rows = cursor.fetchall()
        return [(kind, pk) for kind, pk, _total in rows], (rows[0][2] if rows else None)

    # What the page shows, one query per kind -------------------------------------------------

    def _meeting_items(self, pks):
        attendees = Prefetch("attendees", queryset=Contact.objects.select_related("company").order_by("name", "id"))
        meetings = Meeting.objects.filter(pk__in=pks).select_related("owner").prefetch_related(attendees)
        return {
            m.pk: _item(
                "meeting",
                m.pk,
                reverse("meeting-detail", args=[m.pk]),
                date=timezone.localdate(m.starts_at),
                datetime=timezone.localtime(m.starts_at),
                title=m.title,
                summary=m.summary,
                meeting_kind=m.kind,
                meeting_kind_display=m.get_kind_display(),
                location=m.location,
                outcomes=m.outcomes,
                owner_name=str(m.owner) if m.owner_id else None,
                attendees=[
                    {"id": c.pk, "name": c.name, "title": c.title, "company_name": c.company.name}
                    for c in m.attendees.all()
                ],
            )
            for m in meetings
        }

    def _request_items(self, pks):
        requests = PartnerRequest.objects.filter(pk__in=pks).select_related("company", "assignee")
        return {
            r.pk: _item(
                "request",
                r.pk,
                reverse("request-detail", args=[r.pk]),
                date=r.raised_on,
                title=_("诉求（%(category)s）：%(text)s")
                % {"category": r.category or _("未分类"), "text": Truncator(r.description).chars(30)},
                summary=r.description,
                status=r.status,
                status_display=r.get_status_display(),
                category=r.category,
                due_on=r.due_on,
                resolved_on=r.resolved_on,
                resolution=r.resolution,
                overdue=_late(r.status, r.due_on, (RequestStatus.OPEN, RequestStatus.IN_PROGRESS)),
                company=r.company_id,
                company_name=r.company.name,
                assignee_name=str(r.assignee) if r.assignee_id else None,
            )
            for r in requests
        }

    def _agreement_items(self, pks):
        agreements = Agreement.objects.filter(pk__in=pks).select_related("project", "meeting")
        return {
            a.pk: _item(
                "agreement",
                a.pk,
                reverse("agreement-detail", args=[a.pk]),
                date=a.signed_on or timezone.localdate(a.created_at),
                title=a.title,
                summary=a.summary,
                agreement_kind=a.kind,
                agreement_kind_display=a.get_kind_display(),
                status=a.status,
                status_display=a.get_status_display(),
                signed_on=a.signed_on,
                amount=a.amount,
                project=a.project_id,
                project_name=a.project.name if a.project_id else None,
                meeting=a.meeting_id,
                meeting_title=a.meeting.title if a.meeting_id else None,
            )
            for a in agreements
        }

    def _project_items(self, pks):
        first_move = (
            ProjectStageChange.objects.filter(project_id=OuterRef("pk"))
            .order_by("changed_on", "changed_at", "id")
            .values("changed_on")[:1]
        )
        projects = (
            Project.objects.filter(pk__in=pks)
            .select_related("company", "owner")
            .annotate(started_on=Coalesce(Subquery(first_move), TruncDate("created_at")))
        )
        return {
            p.pk: _item(
                "project",
                p.pk,
                reverse("project-detail", args=[p.pk]),
                date=p.started_on,
                title=p.name,
                summary=p.description,
                stage=p.stage,
                stage_display=p.get_stage_display(),
                total_investment=p.total_investment,
                location=p.location,
                company=p.company_id,
                company_name=p.company.name if p.company_id else None,
                owner_name=str(p.owner) if p.owner_id else None,
            )
            for p in projects
        }

    def _stage_change_items(self, pks):
        changes = ProjectStageChange.objects.filter(pk__in=pks).select_related("project", "changed_by")
        return {
            c.pk: _item(
                "stage_change",
                c.pk,
                reverse("project-stage-history", args=[c.project_id]),
                date=c.changed_on,
                title=_("%(project)s：%(from)s → %(to)s")
                % {"project": c.project.name, "from": _stage_label(c.from_stage), "to": _stage_label(c.to_stage)},
                summary=c.reason,
                project=c.project_id,
                project_name=c.project.name,
                from_stage=c.from_stage,
                from_stage_display=_stage_label(c.from_stage),
                to_stage=c.to_stage,
                to_stage_display=_stage_label(c.to_stage),
                is_correction=c.is_correction,
                changed_by_name=str(c.changed_by) if c.changed_by_id else None,
            )
            for c in changes
        }

    def _milestone_items(self, pks):
        milestones = Milestone.objects.filter(pk__in=pks).select_related("project", "assignee")
        return {
            m.pk: _item(
                "milestone",
                m.pk,
                reverse("milestone-detail", args=[m.pk]),
                date=m.done_on or m.due_on,
                title=f"{m.project.name}：{m.title}",
                summary=m.notes,
                milestone_kind=m.kind,
                milestone_kind_display=m.get_kind_display(),
                due_on=m.due_on,
                done_on=m.done_on,
                overdue=m.done_on is None and m.due_on < today(),
                project=m.project_id,
                project_name=m.project.name,
                assignee_name=str(m.assignee) if m.assignee_id else None,
            )
            for m in milestones
        }

    def _task_items(self, pks):
        tasks = Task.objects.filter(pk__in=pks).select_related("assignee")
        return {
            t.pk: _item(
                "task",
                t.pk,
                reverse("task-detail", args=[t.pk]),
                date=timezone.localdate(t.done_at) if t.done_at else t.due_on or timezone.localdate(t.created_at),
                title=t.title,
                summary=t.description,
                status=t.status,
                status_display=t.get_status_display(),
                priority=t.priority,
                priority_display=t.get_priority_display(),
                due_on=t.due_on,
                done_at=timezone.localtime(t.done_at) if t.done_at else None,
                overdue=_late(t.status, t.due_on, (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)),
                project=t.project_id,
                meeting=t.meeting_id,
                agreement=t.agreement_id,
                assignee_name=str(t.assignee) if t.assignee_id else None,
            )
            for t in tasks
        }


def _item(kind: str, pk: int, url: str, *, date, title: str, summary: str, datetime=None, **fields) -> dict:
    return {
        "kind": kind,
        "kind_display": str(KINDS[kind]),
        "date": date,
        "datetime": datetime,
        "title": title,
        "summary": summary,
        "id": pk,
        "url": url,
        **fields,
    }


def _stage_label(stage: str) -> str:
    return str(ProjectStage(stage).label) if stage else ""


def _late(status: str, due_on, open_statuses) -> bool:
    return status in open_statuses and due_on is not None and due_on < today()

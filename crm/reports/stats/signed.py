"""Signed agreements and the projects they concern, counted and summed by one grouping."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal

from django.db import connection
from django.db.models import Case, Exists, F, OuterRef, Subquery, Value, When
from django.db.models.functions import ExtractMonth, ExtractQuarter, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from ... import access
from ...api.endpoints.agreements import AgreementFilterSet
from ...api.endpoints.projects import ProjectFilterSet
from ...models import Agreement, Industry, Meeting, Project, User
from .common import (
    COUNTED_STATUSES,
    ZERO,
    StatsInputError,
    apply_filters,
    first_signing,
    param_values,
    planned_for_their_values,
)

GROUP_BY = ("industry", "top_industry", "location", "month", "quarter", "meeting", "owner")
AGREEMENT_FILTERS = ("signed_on__gte", "signed_on__lte", "kind", "status", "company", "meeting")
PROJECT_FILTERS = ("stage", "industry", "owner", "location")
FILTERS = (*AGREEMENT_FILTERS, *PROJECT_FILTERS)
DEFAULT_TOP, MAX_TOP = 10, 50
# Months or quarters filled in with zeros between the ends of the range, at most.
MAX_FILLED_PERIODS = 1200


class Figures:
    """The counts and exact sums of one group (or of all)."""

    def __init__(self):
        self.agreements = 0
        self.amount = ZERO
        self.agreements_without_amount = 0
        self.projects = 0
        self.total_investment = ZERO
        self.contracted_investment = ZERO
        self.projects_without_investment = 0

    def add(self, first, count, amount, without_amount, investment, contracted, without_investment) -> None:
        """Add the sums of some signings (one row of ``_sums``): each is its project's first
        signing, and counts the project, when ``first`` is true."""
        self.agreements += count
        self.amount += money(amount)
        self.agreements_without_amount += int(without_amount)
        if first:
            self.projects += count
            self.total_investment += money(investment)
            self.contracted_investment += money(contracted)
            self.projects_without_investment += int(without_investment)

    def as_dict(self) -> dict:
        return {
            "agreements": self.agreements,
            "amount": self.amount,
            "agreements_without_amount": self.agreements_without_amount,
            "projects": self.projects,
            "total_investment": self.total_investment,
            "contracted_investment": self.contracted_investment,
            "projects_without_investment": self.projects_without_investment,
        }


@planned_for_their_values
def signed_stats(
    *,
    user: User,
    params: Mapping | None = None,
    group_by: str = "month",
    top: int = DEFAULT_TOP,
) -> dict:
    """Signings in the filtered range: totals, one row per group, and the largest projects.

    ``params`` holds list filters (``FILTERS``, as a QueryDict or a dict). Agreement figures count
    every matching signing; project figures count each project once, with its first signing, when
    that signing matches. Only the signings ``user`` may see are read: a project hidden from them
    is in no total, group, label or filter, and ``top_projects`` names none (managers see all).
    """
    if group_by not in GROUP_BY:
        raise StatsInputError({"group_by": [_("未知的分组：%(value)s。 Unknown grouping.") % {"value": group_by}]})
    if not 0 <= top <= MAX_TOP:  # 0: no largest projects (the admin's dashboard)
        raise StatsInputError(
            {"top": [_("须在 1 到 %(max)s 之间。 Must be between 1 and %(max)s.") % {"max": MAX_TOP}]}
        )
    params = params or {}
    # ``?status=`` replaces the statuses that count as a signing (it is validated by the FilterSet).
    requested = param_values(params, "status")
    agreements = access.visible(user, Agreement.objects.filter(signed_on__isnull=False))
    if not requested:
        agreements = agreements.filter(status__in=COUNTED_STATUSES)
    agreement_filters = apply_filters(AgreementFilterSet, agreements, params, AGREEMENT_FILTERS)
    agreements = agreement_filters.qs
    if any(param_values(params, name) for name in PROJECT_FILTERS):
        projects = apply_filters(
            ProjectFilterSet, access.visible(user, Project.objects.all()), params, PROJECT_FILTERS
        ).qs
        agreements = agreements.filter(project__in=projects.values("pk"))
    date_range = (
        agreement_filters.form.cleaned_data.get("signed_on__gte"),
        agreement_filters.form.cleaned_data.get("signed_on__lte"),
    )
    # The first signing is found among all signings of the project, not only the filtered ones:
    # a project signed before the range and again in it was signed before, and counts there.
    first = first_signing(requested or COUNTED_STATUSES)
    agreements = agreements.annotate(first=Case(When(first, then=Value(1)), default=Value(0)))

    groups, totals = _sums(agreements, group_by)
    return {
        "group_by": group_by,
        "totals": totals.as_dict(),
        "groups": _ordered_groups(group_by, groups, date_range),
        "top_projects": _top_projects(user, agreements.filter(first), top),
    }


# Groupings -------------------------------------------------------------------------------------


# The group keys of a signing, by grouping (the industries are joined in ``_sums``).
KEYS = {
    "month": {"k1": ExtractYear("signed_on"), "k2": ExtractMonth("signed_on")},
    "quarter": {"k1": ExtractYear("signed_on"), "k2": ExtractQuarter("signed_on")},
    "meeting": {"k1": F("meeting_id")},
    "owner": {"k1": F("project__owner_id")},
    "location": {"k1": F("project__location")},
}


def _sums(agreements, group_by: str) -> tuple[dict, Figures]:
    """Each group's figures, and the totals, of the ``agreements`` (annotated with ``first``),
    summed by the database in one statement: four rows per group at most, whatever the number of
    signings.

    The signings are read by their queryset (filters, read rule, first signings); the grouping
    around it is plain SQL, because a project's industries are a set: a signing counts once under
    each of them, and once under a chain however many of its links the project has. So the totals
    are summed apart from the groups, over the signings read once.
    """
    keys = KEYS.get(group_by, {})
    inner = agreements.order_by().values(
        **keys,
        first_flag=F("first"),
        money=F("amount"),
        investment=F("project__total_investment"),
        contracted=F("project__contracted_investment"),
        project_ref=F("project_id"),
    )
    sql, params = inner.query.sql_with_params()
    columns = [f"a.{name}" for name in keys] or ["NULL"]
    join, join_params = "", ()
    if group_by in ("industry", "top_industry"):
        join, join_params = _industry_join(top=group_by == "top_industry")
        columns = ["i.k1"]
    nothing = ", ".join("NULL" for _ in columns)
    figures = (
        "a.first_flag, COUNT(*), SUM(a.money), SUM(CASE WHEN a.money IS NULL THEN 1 ELSE 0 END), "
        "SUM(a.investment), SUM(a.contracted), SUM(CASE WHEN a.investment IS NULL THEN 1 ELSE 0 END)"
    )
    group = ", ".join(columns)
    statement = (
        f"WITH a AS ({sql}) "
        f"SELECT 1, {group}, {figures} FROM a {join} GROUP BY {group}, a.first_flag "
        f"UNION ALL SELECT 0, {nothing}, {figures} FROM a GROUP BY a.first_flag"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, (*params, *join_params))
        found = cursor.fetchall()
    groups: dict = defaultdict(Figures)
    totals = Figures()
    width = len(columns)
    for grouped, *row in found:
        (groups[_key(group_by, row[:width])] if grouped else totals).add(*row[width:])
    return groups, totals


def _key(group_by: str, values: tuple):
    """A group's key as the groupings name it: (year, number) for periods, None for none."""
    if group_by in ("month", "quarter"):
        return (int(values[0]), int(values[1]))
    return values[0] or None  # a blank location is no location


def _industry_join(*, top: bool) -> tuple[str, tuple]:
    """The join of each signing's project to its industries (or the tops of their trees), each
    once: ``i.k1`` is the industry, NULL for a project with none."""
    through = Project.industries.through._meta
    table = connection.ops.quote_name(through.db_table)
    key, params = "industry_id", ()
    if top:
        tops = _tops()
        if tops:
            key = "CASE industry_id " + " ".join("WHEN %s THEN %s" for _ in tops) + " END"
            params = tuple(value for pair in tops.items() for value in pair)
    links = f"SELECT DISTINCT project_id, {key} AS k1 FROM {table} WHERE project_id IN (SELECT project_ref FROM a)"
    return f"LEFT JOIN ({links}) i ON i.project_id = a.project_ref", params


def _tops() -> dict[int, int]:
    """Every industry's top of its tree (itself for a top)."""
    parents = dict(Industry.objects.values_list("pk", "parent_id"))
    tops = {}
    for industry_id in parents:
        top, seen = industry_id, set()
        while parents.get(top) is not None and top not in seen:
            seen.add(top)
            top = parents[top]
        tops[industry_id] = top
    return tops


def money(value) -> Decimal:
    """A sum read from the database as exact yuan (SQLite answers a float, or None for no rows)."""
    if value is None:
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value)).quantize(ZERO)


def _ordered_groups(group_by: str, groups: dict, date_range) -> list[dict]:
    if group_by in ("month", "quarter"):
        for key in _periods(group_by, list(groups), date_range):
            groups.setdefault(key, Figures())
        return [{**_period_label(group_by, key), **groups[key].as_dict()} for key in sorted(groups)]
    labels = _labels(group_by, [key for key in groups if key is not None])
    ordered = sorted(
        (key for key in groups if key is not None),
        key=lambda key: (-groups[key].total_investment, -groups[key].amount, labels[key]["label"], str(key)),
    )
    result = [{**labels[key], **groups[key].as_dict()} for key in ordered]
    if None in groups:
        result.append({"key": None, "label": _none_label(group_by), **groups[None].as_dict()})
    return result


def _none_label(group_by: str) -> str:
    return {
        "industry": _("未分类"),
        "top_industry": _("未分类"),
        "location": _("未填写落户地"),
        "meeting": _("未关联签约活动"),
        "owner": _("未指定负责人"),
    }[group_by]


def _labels(group_by: str, keys: list) -> dict:
    if group_by in ("industry", "top_industry"):
        found = Industry.objects.filter(pk__in=keys).values_list("pk", "name", "code")
        return {pk: {"key": str(pk), "label": name, "code": code} for pk, name, code in found}
    if group_by == "meeting":
        found = Meeting.objects.filter(pk__in=keys).values_list("pk", "title", "starts_at")
        return {
            pk: {"key": str(pk), "label": title, "date": timezone.localdate(starts_at)}
            for pk, title, starts_at in found
        }
    if group_by == "owner":
        found = User.objects.filter(pk__in=keys).values_list("pk", "full_name", "username")
        return {pk: {"key": str(pk), "label": full_name or username} for pk, full_name, username in found}
    return {key: {"key": key, "label": key} for key in keys}


def _period_label(group_by: str, key: tuple[int, int]) -> dict:
    year, number = key
    if group_by == "month":
        return {"key": f"{year}-{number:02d}", "label": _("%(year)s年%(month)s月") % {"year": year, "month": number}}
    return {"key": f"{year}-Q{number}", "label": _("%(year)s年第%(quarter)s季度") % {"year": year, "quarter": number}}


def _period_of(group_by: str, day: dt.date) -> tuple[int, int]:
    return (day.year, day.month) if group_by == "month" else (day.year, (day.month - 1) // 3 + 1)


def _periods(group_by: str, found: list[tuple[int, int]], date_range) -> list[tuple[int, int]]:
    """Every month (quarter) from the range's start to its end, so that empty ones show as zeros.

    An open end of the range is the first (last) period with signings (``found``).
    """
    if date_range[0] and date_range[1] and date_range[0] > date_range[1]:
        return []
    first = _period_of(group_by, date_range[0]) if date_range[0] else min(found, default=None)
    last = _period_of(group_by, date_range[1]) if date_range[1] else max(found, default=None)
    if first is None or last is None or first > last:
        return []
    per_year = 12 if group_by == "month" else 4
    count = (last[0] - first[0]) * per_year + last[1] - first[1] + 1
    if count > MAX_FILLED_PERIODS:
        if not found:
            return []
        first, last = min(found), max(found)
    periods, current = [], first
    while current <= last:
        periods.append(current)
        year, number = current
        current = (year + 1, 1) if number == per_year else (year, number + 1)
    return periods


# The largest projects ----------------------------------------------------------------------------


def _top_projects(user: User, first_signings, top: int) -> list[dict]:
    """The largest projects first signed in the range that ``user`` may see, by total investment,
    unknown last: ``first_signings`` are the filtered signings that are their projects' first.
    On PostgreSQL the database walks the projects from the largest (project_largest_idx) and
    stops at the ``top``-th."""
    signed_here = first_signings.filter(project_id=OuterRef("pk"))
    found = (
        access.visible(user, Project.objects.filter(Exists(signed_here)))
        .annotate(signed_on=Subquery(signed_here.values("signed_on")[:1]))
        .select_related("company", "owner")
        .order_by(F("total_investment").desc(nulls_last=True), F("id").desc())[:top]
    )
    return [
        {
            "id": project.pk,
            "name": project.name,
            "company": project.company_id,
            "company_name": project.company.name if project.company_id else None,
            "location": project.location,
            "stage": project.stage,
            "stage_display": project.get_stage_display(),
            "total_investment": project.total_investment,
            "signed_on": project.signed_on,
        }
        for project in found
    ]

"""Signed agreements and the projects they concern, counted and summed by one grouping."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ... import access
from ...api.endpoints.agreements import AgreementFilterSet
from ...api.endpoints.projects import ProjectFilterSet
from ...models import Agreement, Industry, Meeting, Project, User
from .common import COUNTED_STATUSES, ZERO, StatsInputError, apply_filters, first_signing, param_values

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

    def add(self, row) -> None:
        self.agreements += 1
        if row.amount is None:
            self.agreements_without_amount += 1
        else:
            self.amount += row.amount
        if row.project_id is not None and row.id == row.first_id:
            self.projects += 1
            if row.total_investment is None:
                self.projects_without_investment += 1
            else:
                self.total_investment += row.total_investment
            if row.contracted_investment is not None:
                self.contracted_investment += row.contracted_investment

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
    if not 1 <= top <= MAX_TOP:
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
    # The first signing is found among all signings of the project, not only the filtered ones:
    # a project signed before the range and again in it was signed before, and counts there.
    agreements = agreements.annotate(first_id=first_signing("id", "project_id", requested or COUNTED_STATUSES))
    date_range = (
        agreement_filters.form.cleaned_data.get("signed_on__gte"),
        agreement_filters.form.cleaned_data.get("signed_on__lte"),
    )

    rows = list(
        agreements.annotate(
            location=F("project__location"),
            owner_id=F("project__owner_id"),
            total_investment=F("project__total_investment"),
            contracted_investment=F("project__contracted_investment"),
        )
        .order_by("signed_on", "id")
        .values_list(
            "id",
            "signed_on",
            "amount",
            "meeting_id",
            "project_id",
            "first_id",
            "location",
            "owner_id",
            "total_investment",
            "contracted_investment",
            named=True,
        )
    )
    totals = Figures()
    groups: dict = defaultdict(Figures)
    keys_of = _grouper(group_by, agreements)
    for row in rows:
        totals.add(row)
        for key in keys_of(row):
            groups[key].add(row)

    return {
        "group_by": group_by,
        "totals": totals.as_dict(),
        "groups": _ordered_groups(group_by, groups, rows, date_range),
        "top_projects": _top_projects(user, agreements, rows, top),
    }


# Groupings -------------------------------------------------------------------------------------


def _grouper(group_by: str, agreements):
    """A function giving the group keys of an agreement row (several for industries)."""
    if group_by == "month":
        return lambda row: [(row.signed_on.year, row.signed_on.month)]
    if group_by == "quarter":
        return lambda row: [(row.signed_on.year, (row.signed_on.month - 1) // 3 + 1)]
    if group_by == "meeting":
        return lambda row: [row.meeting_id]
    if group_by == "owner":
        return lambda row: [row.owner_id]
    if group_by == "location":
        return lambda row: [row.location or None]
    industries = _project_industries(agreements.values("project_id"), top=group_by == "top_industry")
    return lambda row: industries.get(row.project_id) or [None]


def _project_industries(project_ids, *, top: bool) -> dict[int, list[int]]:
    """Each project's industries (or the top of their trees), in one query (two for the tops)."""
    through = Project.industries.through
    links = through.objects.filter(project_id__in=project_ids).values_list("project_id", "industry_id")
    if top:
        parents = dict(Industry.objects.values_list("pk", "parent_id"))
    found: dict[int, list[int]] = defaultdict(list)
    for project_id, industry_id in links.order_by("project_id", "industry_id"):
        if top:
            seen = set()
            while parents.get(industry_id) is not None and industry_id not in seen:
                seen.add(industry_id)
                industry_id = parents[industry_id]
        if industry_id not in found[project_id]:
            found[project_id].append(industry_id)
    return found


def _ordered_groups(group_by: str, groups: dict, rows, date_range) -> list[dict]:
    if group_by in ("month", "quarter"):
        for key in _periods(group_by, rows, date_range):
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


def _periods(group_by: str, rows, date_range) -> list[tuple[int, int]]:
    """Every month (quarter) from the range's start to its end, so that empty ones show as zeros.

    An open end of the range is the first (last) signing found.
    """
    found = [row.signed_on for row in rows]
    start = date_range[0] or (min(found) if found else None)
    end = date_range[1] or (max(found) if found else None)
    if start is None or end is None or start > end:
        return []
    first, last = _period_of(group_by, start), _period_of(group_by, end)
    per_year = 12 if group_by == "month" else 4
    count = (last[0] - first[0]) * per_year + last[1] - first[1] + 1
    if count > MAX_FILLED_PERIODS:
        if not found:
            return []
        first, last = _period_of(group_by, min(found)), _period_of(group_by, max(found))
    periods, current = [], first
    while current <= last:
        periods.append(current)
        year, number = current
        current = (year + 1, 1) if number == per_year else (year, number + 1)
    return periods


# The largest projects ----------------------------------------------------------------------------


def _top_projects(user: User, agreements, rows, top: int) -> list[dict]:
    """The largest projects first signed in the range that ``user`` may see, by total investment."""
    first_signing_of = {row.project_id: row for row in rows if row.project_id and row.id == row.first_id}
    projects = (
        access.visible(user, Project.objects.all())
        .filter(pk__in=agreements.filter(id=F("first_id")).values("project_id"))
        .select_related("company", "owner")
        .order_by(F("total_investment").desc(nulls_last=True), "-id")[:top]
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
            "signed_on": first_signing_of[project.pk].signed_on if project.pk in first_signing_of else None,
        }
        for project in projects
    ]

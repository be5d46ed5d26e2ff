"""What every report shares: which agreements count as a signing, the replay of a project's stage
history, exact money sums, rates and the validation of filters. See ``docs/stats.md``.

The figures count only what the user may see (``access.visible``): each report narrows the records
it reads at its start, and the readers below take the user too.
"""

from __future__ import annotations

import calendar
import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import QueryDict

from ... import access
from ...models import Agreement, CapitalArrival, ProjectStageChange
from ...models.choices import STAGE_ORDER, AgreementStatus

# Agreements in these statuses are signings; drafts were never signed and terminated ones no
# longer bind anyone (see docs/stats.md). ``?status=`` on stats/signed replaces this set.
COUNTED_STATUSES = (AgreementStatus.SIGNED, AgreementStatus.IN_FORCE, AgreementStatus.COMPLETED)

ZERO = Decimal("0.00")
RATE_PLACES = Decimal("0.0001")
DAY_PLACES = Decimal("0.1")
HUNDRED_MILLION = Decimal(10**8)  # 1亿元
BILLION = Decimal(10**9)  # 10亿元
ON_PATH = {stage: position for position, stage in enumerate(STAGE_ORDER)}


class StatsInputError(Exception):
    """A filter or parameter was refused: ``errors`` maps each field to its messages (a 400)."""

    def __init__(self, errors: Mapping[str, list[str]]):
        super().__init__(errors)
        self.errors = {field: [str(message) for message in messages] for field, messages in errors.items()}


# Filters ---------------------------------------------------------------------------------------


def _values(params: Mapping, name: str) -> list:
    if hasattr(params, "getlist"):
        return params.getlist(name)
    value = params.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def param_values(params: Mapping | None, name: str) -> list:
    """The values of one parameter, from a QueryDict or a plain dict (a value or a list)."""
    return _values(params or {}, name)


def apply_filters(filterset_class, queryset: QuerySet, params: Mapping | None, names: Iterable[str]):
    """The bound FilterSet of ``queryset`` with the list filters ``names`` found in ``params``.

    The same FilterSets as the lists, so the same values are accepted and refused; a refused one
    raises :class:`StatsInputError` naming the field. Read the rows from ``.qs`` and the parsed
    values from ``.form.cleaned_data``.
    """
    data = QueryDict(mutable=True)
    for name in names:
        values = _values(params or {}, name)
        if values:
            data.setlist(name, values)
    filterset = filterset_class(data=data, queryset=queryset)
    if not filterset.is_valid():
        raise StatsInputError({field: list(messages) for field, messages in filterset.errors.items()})
    return filterset


# Signings --------------------------------------------------------------------------------------


def signings(user, statuses: Iterable[str] = COUNTED_STATUSES) -> QuerySet:
    """The agreements ``user`` may see that count as signings: a signing date and a counted status."""
    return access.visible(user, Agreement.objects.filter(signed_on__isnull=False, status__in=list(statuses)))


def first_signing(field: str, project_ref: str, statuses: Iterable[str] = COUNTED_STATUSES) -> Subquery:
    """``field`` of the project's first signing: the earliest ``signed_on``, then the lowest id.

    A project signed several times (at several events) counts once, with this agreement. An
    agreement is as secret as its project, so the first signing of a project the outer query may
    read needs no narrowing of its own.
    """
    first = Agreement.objects.filter(
        project_id=OuterRef(project_ref), signed_on__isnull=False, status__in=list(statuses)
    ).order_by("signed_on", "id")
    first = first.values(field)[:1]
    return Subquery(first)


# Stage history ---------------------------------------------------------------------------------

# One move: (to_stage, changed_on, is_correction), in the order the moves were made.
Move = tuple[str, dt.date, bool]


def stage_histories(user, projects: QuerySet) -> dict[int, list[Move]]:
    """Every move ``user`` may see of the ``projects`` (a queryset of ids or projects), in one query."""
    found: dict[int, list[Move]] = defaultdict(list)
    rows = (
        access.visible(user, ProjectStageChange.objects.filter(project_id__in=projects))
        .order_by("project_id", "changed_on", "changed_at", "id")
        .values_list("project_id", "to_stage", "changed_on", "is_correction")
    )
    for project_id, to_stage, changed_on, is_correction in rows:
        found[project_id].append((to_stage, changed_on, is_correction))
    return found


def reached_on(moves: list[Move], stage: str, until: dt.date | None = None) -> dt.date | None:
    """The day the project first moved to ``stage`` or a later stage of the path, by ``until``.

    A manager's correction back below ``stage`` undoes the move it corrects: the project reaches
    the stage again only with its next move forward. Stalled and dropped leave it reached.
    """
    threshold = ON_PATH[stage]
    reached = None
    for to_stage, changed_on, is_correction in moves:
        if until is not None and changed_on > until:
            break
        position = ON_PATH.get(to_stage)
        if position is None:
            continue
        if position >= threshold:
            reached = reached or changed_on
        elif is_correction:
            reached = None
    return reached


# Money, rates, days ----------------------------------------------------------------------------


def total(amounts: Iterable[Decimal | None]) -> Decimal:
    """The exact sum of the known amounts (unknown ones, None, are left out)."""
    return sum((amount for amount in amounts if amount is not None), ZERO)


def rate(numerator, denominator) -> Decimal | None:
    """numerator / denominator to four places (half up), or None when there is no denominator."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def median_days(days: list[int]) -> Decimal | None:
    return Decimal(str(statistics.median(days))).quantize(DAY_PLACES) if days else None


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the 31st of a shorter month becomes its last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def arrivals_by_project(user, projects: QuerySet) -> dict[int, list[tuple[dt.date, Decimal]]]:
    """Every capital arrival ``user`` may see of the ``projects`` (ids or projects), in one query."""
    found: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    rows = access.visible(user, CapitalArrival.objects.filter(project_id__in=projects)).order_by()
    for project_id, arrived_on, amount in rows.values_list("project_id", "arrived_on", "amount"):
        found[project_id].append((arrived_on, amount))
    return found


def arrived_by(arrivals: list[tuple[dt.date, Decimal]], until: dt.date | None) -> Decimal:
    return total(amount for arrived_on, amount in arrivals if until is None or arrived_on <= until)

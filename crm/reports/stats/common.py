"""What every report shares: which agreements count as a signing, the replay of a project's stage
history, exact money sums, rates and the validation of filters. See ``docs/stats.md``.

The figures count only what the user may see (``access.visible``): each report narrows the records
it reads at its start, and the readers below take the user too.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import (
    DateField,
    DecimalField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
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


def planned_for_their_values(report):
    """Run ``report`` with PostgreSQL planning each statement for the values it is given.

    A connection prepares a statement it has run five times (settings, DB_PREPARED_STATEMENTS),
    and PostgreSQL then moves to one generic plan for any values. A report's statements depend on
    their values (a year, a range, a meeting) more than a list's: the generic plans of the KPIs
    took twice as long. So while a report runs, plans are made for the values at hand (still
    parsed once); the setting is the connection's and is restored after."""

    @functools.wraps(report)
    def run(*args, **kwargs):
        if connection.vendor != "postgresql":
            return report(*args, **kwargs)
        with connection.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_custom_plan")
        try:
            return report(*args, **kwargs)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET plan_cache_mode")

    return run


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


def first_signing(statuses: Iterable[str] = COUNTED_STATUSES) -> Q:
    """Whether the outer query's agreement is its project's first signing: of the project's
    signings in ``statuses``, none came before it (an earlier ``signed_on``, or the same day and
    a lower id). For ``.filter()`` and ``When()`` on agreements already counted as signings.

    A project signed several times (at several events) counts once, with this agreement. The
    first signing is found among all of a project's signings, whatever narrows the reader's: a
    project signed before a range and again in it was signed before. An agreement is as secret
    as its project, so this needs no narrowing of its own. The database answers it agreement by
    agreement through the index on the project, so that a report can stop at the first ones it
    needs (the largest projects) as well as count them all.
    """
    earlier = Agreement.objects.filter(
        Q(signed_on__lt=OuterRef("signed_on")) | Q(signed_on=OuterRef("signed_on"), id__lt=OuterRef("id")),
        project_id=OuterRef("project_id"),
        signed_on__isnull=False,
        status__in=list(statuses),
    )
    return Q(project_id__isnull=False) & ~Q(Exists(earlier))


# Stage history ---------------------------------------------------------------------------------


def _later_than_outer() -> Q:
    """A move recorded after the outer query's move: moves are ordered by day, then as recorded."""
    return (
        Q(changed_on__gt=OuterRef("changed_on"))
        | Q(changed_on=OuterRef("changed_on"), changed_at__gt=OuterRef("changed_at"))
        | Q(changed_on=OuterRef("changed_on"), changed_at=OuterRef("changed_at"), id__gt=OuterRef("id"))
    )


def reaching_moves(stage: str, until: dt.date, project_ref: str = "pk") -> QuerySet:
    """The moves by which the outer query's project (``project_ref``) had reached ``stage`` or a
    later stage of the path, as its moves stood on ``until``.

    A manager's correction back below ``stage`` undoes the moves forward before it: the project
    reaches the stage again only with its next move forward. Stalled and dropped leave it reached.
    So these are the moves forward that no correction below the stage followed by ``until``. A
    project's moves are as secret as the project: the outer query reads only projects the user
    may see.
    """
    position = ON_PATH[stage]
    undone = ProjectStageChange.objects.filter(
        _later_than_outer(),
        project_id=OuterRef("project_id"),
        changed_on__lte=until,
        is_correction=True,
        to_stage__in=STAGE_ORDER[:position],
    )
    return ProjectStageChange.objects.filter(
        project_id=OuterRef(project_ref), changed_on__lte=until, to_stage__in=STAGE_ORDER[position:]
    ).exclude(Exists(undone))


def reached_on(stage: str, until: dt.date) -> Subquery:
    """The day the outer query's project reached ``stage`` as its moves stood on ``until`` (NULL
    when it had not), for ``.annotate()``: its first move of :func:`reaching_moves`."""
    first = reaching_moves(stage, until).order_by("changed_on", "changed_at", "id").values("changed_on")[:1]
    return Subquery(first, output_field=DateField())


def has_reached(stage: str, until: dt.date) -> Exists:
    """Whether the outer query's project had reached ``stage`` on ``until``, for ``.filter()``:
    the database joins it as a set rather than asking project by project."""
    return Exists(reaching_moves(stage, until))


def arrived_by(until: dt.date | None) -> Coalesce:
    """The sum of the outer query's project's capital arrivals on or before ``until`` (all when
    None), 0 when there are none, for ``.annotate()``. Arrivals are as secret as their project."""
    arrivals = CapitalArrival.objects.filter(project_id=OuterRef("pk"))
    if until is not None:
        arrivals = arrivals.filter(arrived_on__lte=until)
    total = arrivals.order_by().values("project_id").annotate(total=Sum("amount")).values("total")
    return Coalesce(Subquery(total, output_field=DecimalField(max_digits=24, decimal_places=2)), Value(ZERO))


# Money, rates, days ----------------------------------------------------------------------------


def total(amounts: Iterable[Decimal | None]) -> Decimal:
    """The exact sum of the known amounts (unknown ones, None, are left out)."""
    return sum((amount for amount in amounts if amount is not None), ZERO)


def rate(numerator, denominator) -> Decimal | None:
    """numerator / denominator to four places (half up), or None when there is no denominator."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def histograms(rows: Iterable[tuple[str, int, int]]) -> dict[str, list[tuple[int, int]]]:
    """(group, days, count) rows, as each group's (days, count) pairs, fewest days first."""
    found: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for group, days, count in rows:
        found[group].append((days, count))
    return {group: sorted(pairs) for group, pairs in found.items()}


def median_days(histogram: list[tuple[int, int]]) -> Decimal | None:
    """The median of the days counted in ``histogram``, (days, count) pairs sorted by days: the
    middle one, or the mean of the two middle ones (None when there are none)."""
    size = sum(count for _days, count in histogram)
    if not size:
        return None
    middle = [(size - 1) // 2, size // 2]  # positions, from 0, of the middle value(s)
    values, seen = [], 0
    for days, count in histogram:
        while middle and middle[0] < seen + count:
            values.append(days)
            middle.pop(0)
        seen += count
    return (Decimal(sum(values)) / 2).quantize(DAY_PLACES)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the 31st of a shorter month becomes its last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))

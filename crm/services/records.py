"""Create, change and delete any record: the one door every writer (API, admin, import) uses.

``create``, ``update`` and ``delete`` dispatch to the kind's own service where a kind has
rules of its own (a project's stages and field rights, a milestone's completion, a task's
status, an agreement's signing, a request's resolution); every other kind is written as it
comes, after the model's own validation. ``validate`` asks the same rules without writing,
so that a form can show them beside its fields.
"""

from __future__ import annotations

from django.db import transaction

from ..models import Agreement, Company, Industry, Meeting, Milestone, PartnerRequest, Project, Task, Trip, User
from ..models.companies import CYCLE
from ..models.meetings import MEETING_ENDS_BEFORE_START, TRIP_ENDS_BEFORE_START
from .agreements import agreement_create, agreement_update, check_agreement
from .common import attribute, differs, plain_create, plain_update
from .errors import ServiceError, check_version
from .projects import check_project, project_create, project_update
from .requests import check_request, request_create, request_update
from .work import check_milestone, check_task, milestone_update, task_create, task_update


def _period(start: str, end: str, message) -> callable:
    """The rule that ``end`` is not before ``start`` (both as they will be after the write)."""

    def check(*, user, record, values):
        first = values[start] if start in values else getattr(record, start, None)
        last = values[end] if end in values else getattr(record, end, None)
        if first and last and last < first:
            raise ServiceError(end, str(message))

    return check


def _no_cycle(field: str) -> callable:
    """The rule that a record is not its own ancestor through ``field`` (a group under its own
    subsidiary, an industry under its own sub-industry)."""

    def check(*, user, record, values):
        if field not in values or record is None or record.pk is None:
            return
        node, seen = values[field], set()
        model = type(record)
        while node is not None and len(seen) <= 100:
            node = node if isinstance(node, model) else model._default_manager.filter(pk=node).first()
            if node is None or node.pk in seen:
                return
            if node.pk == record.pk:
                raise ServiceError(field, str(CYCLE), code="cycle")
            seen.add(node.pk)
            node = getattr(node, field)

    return check


CHECKS = {
    Company: _no_cycle("parent"),
    Industry: _no_cycle("parent"),
    Project: check_project,
    Milestone: check_milestone,
    Task: check_task,
    Agreement: check_agreement,
    PartnerRequest: check_request,
    Trip: _period("start_date", "end_date", TRIP_ENDS_BEFORE_START),
    Meeting: _period("starts_at", "ends_at", MEETING_ENDS_BEFORE_START),
}
CREATE = {Project: project_create, Task: task_create, Agreement: agreement_create, PartnerRequest: request_create}
UPDATE = {
    Project: project_update,
    Milestone: milestone_update,
    Task: task_update,
    Agreement: agreement_update,
    PartnerRequest: request_update,
}


def validate(*, model, user: User | None, record=None, values: dict) -> None:
    """Raise what writing ``values`` (a new record when ``record`` is None) would raise."""
    check = CHECKS.get(model)
    if check is not None:
        changed = values if record is None else {k: v for k, v in values.items() if differs(record, k, v)}
        check(user=user, record=record, values=changed)


@transaction.atomic
def create(*, model, user: User | None, values: dict, reason: str = ""):
    """Create a record of ``model`` from ``values`` (many-to-many fields as lists)."""
    values = dict(values)
    validate(model=model, user=user, values=values)
    if model in CREATE:
        return CREATE[model](user=user, values=values, reason=reason)
    return plain_create(model=model, user=user, values=values, reason=reason)


def locked(record):
    """``record`` as stored now, locked until the transaction ends."""
    return type(record)._default_manager.select_for_update().get(pk=record.pk)


@transaction.atomic
def update(*, record, user: User | None, values: dict, seen_version: int | None, reason: str = ""):
    """Change ``record`` made on ``seen_version``: refused if the record changed since (or if no
    version is given), then written by the kind's service."""
    record = locked(record)
    check_version(record, seen_version)
    values = dict(values)
    validate(model=type(record), user=user, record=record, values=values)
    service = UPDATE.get(type(record))
    if service is not None:
        return service(record=record, user=user, values=values, reason=reason)
    return plain_update(record=record, user=user, values=values, reason=reason)


@transaction.atomic
def delete(*, record, user: User | None, seen_version: int | None) -> None:
    """Delete ``record`` made on ``seen_version`` (its history keeps who deleted it)."""
    record = locked(record)
    if hasattr(record, "version"):
        check_version(record, seen_version)
    attribute(record, user)
    record.delete()

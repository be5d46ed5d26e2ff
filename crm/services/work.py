"""Milestones and tasks: who may be assigned, completing and reopening."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import access
from ..models import Agreement, Milestone, Project, ReminderSubject, Task, User
from ..models.choices import TaskStatus
from ..reminders import cancel_pending
from .common import attribute, not_in_future, plain_create, plain_update, today
from .errors import ServiceError

ASSIGNEE_OUTSIDE = gettext_lazy(
    "该用户不在此保密项目的知情范围内（负责人、项目组、管理员），不能指派。 "
    "This user may not see this confidential project (its owner, team and managers), so cannot be assigned."
)


def cancel_reminders(*, subject: str, object_id: int, keep_due_on: dt.date | None = None) -> int:
    """Pending reminders of an item that is done, cancelled or rescheduled will not be sent."""
    return cancel_pending(subject=subject, object_id=object_id, keep_due_on=keep_due_on)


def _value(record, values: dict, name: str):
    """The value ``name`` will have after the write."""
    if name in values:
        return values[name]
    return getattr(record, name, None) if record is not None else None


def _as(model, value):
    if value is None or isinstance(value, model):
        return value
    return model._default_manager.filter(pk=value).first()


def check_assignee(*, project: Project | None, assignee: User | None, field: str = "assignee") -> None:
    """An item of a confidential project is assigned only to someone who may see the project."""
    if assignee is None or project is None or not project.is_confidential:
        return
    if not access.can_see_project(assignee, project):
        raise ServiceError(field, str(ASSIGNEE_OUTSIDE), code="need_to_know")


def check_milestone(*, user: User | None, record: Milestone | None, values: dict) -> None:
    check_assignee(
        project=_as(Project, _value(record, values, "project")),
        assignee=_as(User, _value(record, values, "assignee")),
    )
    if "done_on" in values:
        not_in_future(values["done_on"], rule="done_on")


def task_project(record: Task | None, values: dict) -> Project | None:
    """The project a task belongs to: its own, or its agreement's."""
    project = _as(Project, _value(record, values, "project"))
    if project is not None:
        return project
    agreement = _as(Agreement, _value(record, values, "agreement"))
    return agreement.project if agreement is not None else None


def check_task(*, user: User | None, record: Task | None, values: dict) -> None:
    check_assignee(project=task_project(record, values), assignee=_as(User, _value(record, values, "assignee")))
    status = values.get("status")
    if status is not None and status not in TaskStatus.values:
        raise ServiceError("status", _("未知的状态。 Unknown status."), code="invalid_choice")


# Milestones -----------------------------------------------------------------------------------------


@transaction.atomic
def milestone_complete(*, milestone: Milestone, user: User | None, done_on: dt.date | None = None) -> Milestone:
    """Mark a milestone reached on ``done_on`` (today by default)."""
    milestone.done_on = not_in_future(done_on, rule="done_on") or today()
    attribute(milestone, user, _("完成节点"))
    milestone.save()
    cancel_reminders(subject=ReminderSubject.MILESTONE, object_id=milestone.pk)
    return milestone


@transaction.atomic
def milestone_reopen(*, milestone: Milestone, user: User | None) -> Milestone:
    """Clear a milestone's completion."""
    milestone.done_on = None
    attribute(milestone, user, _("重新打开节点"))
    milestone.save()
    return milestone


@transaction.atomic
def milestone_update(*, record: Milestone, user: User | None, values: dict, reason: str = "") -> Milestone:
    """Change a milestone; a new ``done_on`` completes or reopens it."""
    values = dict(values)
    done = "done_on" in values and values["done_on"] != record.done_on
    done_on = values.pop("done_on", record.done_on)
    if values or not done:
        record = plain_update(record=record, user=user, values=values, reason=reason)
    if done and done_on is None:
        return milestone_reopen(milestone=record, user=user)
    if done:
        return milestone_complete(milestone=record, user=user, done_on=done_on)
    return record


# Tasks ------------------------------------------------------------------------------------------------


@transaction.atomic
def task_set_status(*, task: Task, status: str, user: User | None) -> Task:
    """Move a task to ``status``; completing sets ``done_at``, anything else clears it."""
    if status not in TaskStatus.values:
        raise ServiceError("status", _("未知的状态。 Unknown status."), code="invalid_choice")
    task.status = status
    if status == TaskStatus.DONE:
        task.done_at = task.done_at or timezone.now()
    else:
        task.done_at = None
    attribute(task, user, _("事项状态：%(status)s") % {"status": status})
    task.save()
    if status in (TaskStatus.DONE, TaskStatus.CANCELLED):
        cancel_reminders(subject=ReminderSubject.TASK, object_id=task.pk)
    return task


def task_complete(*, task: Task, user: User | None) -> Task:
    return task_set_status(task=task, status=TaskStatus.DONE, user=user)


def task_reopen(*, task: Task, user: User | None) -> Task:
    return task_set_status(task=task, status=TaskStatus.OPEN, user=user)


@transaction.atomic
def task_create(*, user: User | None, values: dict, reason: str = "") -> Task:
    """Create a task; one created in another status than open moves there as a status change."""
    values = dict(values)
    status = values.pop("status", TaskStatus.OPEN)
    done_at = values.pop("done_at", None)  # the moment of a task entered as done
    task = plain_create(model=Task, user=user, values=values, reason=reason)
    if status != TaskStatus.OPEN:
        task.done_at = done_at if status == TaskStatus.DONE else None
        task = task_set_status(task=task, status=status, user=user)
    return task


@transaction.atomic
def task_update(*, record: Task, user: User | None, values: dict, reason: str = "") -> Task:
    """Change a task; a new ``status`` goes through :func:`task_set_status`."""
    values = dict(values)
    status = values.pop("status", record.status)
    record = plain_update(record=record, user=user, values=values, reason=reason)
    if status != record.status:
        record = task_set_status(task=record, status=status, user=user)
    return record

"""Writes with side effects. The API, the admin, commands and tasks all call these.

Each function is keyword-only, runs in one transaction and leaves history with the user who
acted. Rules that need a reason to refuse raise :class:`ServiceError` (a 400 on the named
field) or :class:`ServiceForbidden` (a 403).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import OFF_PATH_STAGES, STAGE_ORDER, AgreementStatus, ProjectStage, TaskStatus
from ..models import Agreement, Milestone, Project, ProjectStageChange, ReminderSubject, Task, User
from ..webhooks import events as webhook_events
from .errors import (  # noqa: F401  (the services' errors, raised by every service)
    ServiceError,
    ServiceForbidden,
    StaleVersion,
    VersionRequired,
    check_version,
)


def today() -> dt.date:
    """The date in Asia/Shanghai, the bureau's calendar."""
    return timezone.localdate()


def _attribute(instance, user: User | None, reason: str = "") -> None:
    """Name who made the next save, and why, in its history record."""
    instance._history_user = user
    if reason:
        instance._change_reason = reason


# Reminders ------------------------------------------------------------------------------------


def cancel_reminders(*, subject: str, object_id: int, keep_due_on: dt.date | None = None) -> int:
    """Pending reminders of an item that is done, cancelled or rescheduled will not be sent."""
    from ..reminders import cancel_pending

    return cancel_pending(subject=subject, object_id=object_id, keep_due_on=keep_due_on)


# Projects -----------------------------------------------------------------------------------


def _last_path_stage(project: Project) -> str | None:
    """The stage on the forward path a stalled or dropped project left from."""
    change = (
        ProjectStageChange.objects.filter(project=project, to_stage__in=list(OFF_PATH_STAGES))
        .exclude(from_stage__in=[*OFF_PATH_STAGES, ""])
        .order_by("-changed_at", "-id")
        .first()
    )
    return change.from_stage if change else None


def stage_move_is_backward(project: Project, to_stage: str) -> bool:
    """Whether moving ``project`` to ``to_stage`` goes back along the forward path."""
    if to_stage in OFF_PATH_STAGES:
        return False
    from_stage = project.stage
    if from_stage in OFF_PATH_STAGES:
        from_stage = _last_path_stage(project)
        if from_stage is None:
            return False
    return STAGE_ORDER.index(to_stage) < STAGE_ORDER.index(from_stage)


def _check_changed_on(changed_on: dt.date | None) -> dt.date:
    if changed_on is None:
        return today()
    if changed_on > today():
        raise ServiceError("changed_on", _("变更日期不能晚于今天。 The date of a change cannot be in the future."))
    return changed_on


@transaction.atomic
def project_create(*, user: User | None, industries=(), team=(), **fields) -> Project:
    """Create a project and record its first stage."""
    project = Project(**fields)
    project.stage_changed_on = _check_changed_on(project.stage_changed_on)
    _attribute(project, user)
    project.save()
    project.industries.set(industries)
    project.team.set(team)
    ProjectStageChange.objects.create(
        project=project,
        from_stage="",
        to_stage=project.stage,
        changed_on=project.stage_changed_on,
        changed_by=user,
        reason=_("创建项目"),
    )
    return project


@transaction.atomic
def project_save_new(*, project: Project, user: User | None) -> Project:
    """Create ``project``, an unsaved instance built by an admin form or an import, as
    :func:`project_create` does (first stage recorded); the instance becomes the saved record."""
    values = {f.attname: getattr(project, f.attname) for f in Project._meta.concrete_fields if not f.primary_key}
    created = project_create(user=user, **values)
    for f in Project._meta.concrete_fields:
        setattr(project, f.attname, getattr(created, f.attname))
    project._state.adding = False
    project._state.db = created._state.db
    return project


@transaction.atomic
def project_change_stage(
    *,
    project: Project,
    to_stage: str,
    user: User | None,
    reason: str = "",
    changed_on: dt.date | None = None,
) -> ProjectStageChange:
    """Move a project to another stage and keep the move in its stage history.

    Forward moves, and moves to or from stalled/dropped, are open to editors; a move back along
    the path is a correction only a manager may make.
    """
    if to_stage not in ProjectStage.values:
        raise ServiceError("stage", _("未知的阶段。 Unknown stage."), code="invalid_choice")
    if to_stage == project.stage:
        raise ServiceError("stage", _("项目已处于该阶段。 The project is already at this stage."), code="unchanged")
    changed_on = _check_changed_on(changed_on)
    is_correction = stage_move_is_backward(project, to_stage)
    if is_correction and (user is None or not user.is_manager):
        raise ServiceForbidden(
            _("只有管理员可以将项目阶段回退（更正）。 Only a manager may move a project's stage backward.")
        )
    change = ProjectStageChange.objects.create(
        project=project,
        from_stage=project.stage,
        to_stage=to_stage,
        changed_on=changed_on,
        changed_by=user,
        reason=reason,
        is_correction=is_correction,
    )
    project.stage = to_stage
    project.stage_changed_on = changed_on
    _attribute(project, user, reason or _("阶段变更"))
    project.save()
    webhook_events.stage_changed(change, project, user)  # the outbox: written in this transaction
    return change


# Milestones and tasks ----------------------------------------------------------------------------


@transaction.atomic
def milestone_complete(*, milestone: Milestone, user: User | None, done_on: dt.date | None = None) -> Milestone:
    """Mark a milestone reached on ``done_on`` (today by default)."""
    done_on = done_on or today()
    if done_on > today():
        raise ServiceError("done_on", _("完成日期不能晚于今天。 A milestone cannot be done in the future."))
    milestone.done_on = done_on
    _attribute(milestone, user, _("完成节点"))
    milestone.save()
    cancel_reminders(subject=ReminderSubject.MILESTONE, object_id=milestone.pk)
    return milestone


@transaction.atomic
def milestone_reopen(*, milestone: Milestone, user: User | None) -> Milestone:
    """Clear a milestone's completion."""
    milestone.done_on = None
    _attribute(milestone, user, _("重新打开节点"))
    milestone.save()
    return milestone


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
    _attribute(task, user, _("事项状态：%(status)s") % {"status": status})
    task.save()
    if status in (TaskStatus.DONE, TaskStatus.CANCELLED):
        cancel_reminders(subject=ReminderSubject.TASK, object_id=task.pk)
    return task


def task_complete(*, task: Task, user: User | None) -> Task:
    return task_set_status(task=task, status=TaskStatus.DONE, user=user)


def task_reopen(*, task: Task, user: User | None) -> Task:
    return task_set_status(task=task, status=TaskStatus.OPEN, user=user)


# Agreements ---------------------------------------------------------------------------------------


@transaction.atomic
def agreement_sign(*, agreement: Agreement, user: User | None, signed_on: dt.date | None = None) -> Agreement:
    """Record an agreement as signed; a project still before signing moves to 签约 with it."""
    signed_on = signed_on or agreement.signed_on or today()
    if signed_on > today():
        raise ServiceError("signed_on", _("签约日期不能晚于今天。 The signing date cannot be in the future."))
    agreement.status = AgreementStatus.SIGNED
    agreement.signed_on = signed_on
    _attribute(agreement, user, _("签约"))
    agreement.save()
    _advance_project_on_signing(agreement, user)
    webhook_events.agreement_signed(agreement, user)  # the outbox: written in this transaction
    return agreement


def _advance_project_on_signing(agreement: Agreement, user: User | None) -> None:
    project = agreement.project
    if project is None:
        return
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.stage in (ProjectStage.LEAD, ProjectStage.NEGOTIATING):
        project_change_stage(
            project=project,
            to_stage=ProjectStage.SIGNED,
            user=user,
            reason=_("签署协议：%(title)s") % {"title": agreement.title},
            changed_on=agreement.signed_on,
        )

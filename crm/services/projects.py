"""Projects: who may change what, and the stage history that stays true."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Project, ProjectStageChange, User
from ..models.choices import OFF_PATH_STAGES, STAGE_ORDER, ProjectStage
from ..webhooks import events as webhook_events
from .common import attribute, differs, is_many, not_in_future, plain_update, today
from .errors import ServiceError, ServiceForbidden

BACKWARD_MANAGERS_ONLY = gettext_lazy(
    "只有管理员可以将项目阶段回退（更正）。 Only a manager may move a project's stage backward."
)
BACKWARD_NEEDS_REASON = gettext_lazy(
    "阶段回退是更正，须填写原因。 Moving a stage backward is a correction and needs a reason."
)
NEED_TO_KNOW_MANAGERS_ONLY = gettext_lazy(
    "只有管理员可以修改保密设置和项目组。 Only a manager may change confidentiality and the team."
)
OWNER_MANAGERS_OR_OWNER = gettext_lazy(
    "只有管理员或项目负责人本人可以更换负责人（保密项目只有管理员）。 "
    "Only a manager or the current owner may change the owner (of a confidential project, only a manager)."
)


def _is_manager(user: User | None) -> bool:
    """Managers, and the system itself (``user`` None: a command or a task), hold every right."""
    return user is None or user.is_manager


# Who may change what ---------------------------------------------------------------------------


def check_project(*, user: User | None, record: Project | None, values: dict) -> None:
    """A change of stage follows the stage rules; confidentiality and the team are the managers';
    the owner is handed over by a manager or, for a project that is not confidential, by its
    current owner."""
    if record is not None and "stage" in values and values["stage"] != record.stage:
        check_stage_move(
            project=record,
            to_stage=values["stage"],
            user=user,
            reason=values.get("stage_reason", ""),
            changed_on=values.get("stage_changed_on"),
            fields=("stage", "stage_reason", "stage_changed_on"),
        )
    if _is_manager(user):
        return
    if record is None:
        if values.get("is_confidential"):
            raise ServiceForbidden(str(NEED_TO_KNOW_MANAGERS_ONLY), field="is_confidential")
        if values.get("team"):
            raise ServiceForbidden(str(NEED_TO_KNOW_MANAGERS_ONLY), field="team")
        return
    for name in ("is_confidential", "team"):
        if name in values and differs(record, name, values[name]):
            raise ServiceForbidden(str(NEED_TO_KNOW_MANAGERS_ONLY), field=name)
    if "owner" in values and differs(record, "owner", values["owner"]):
        if record.is_confidential or record.owner_id != user.pk:
            raise ServiceForbidden(str(OWNER_MANAGERS_OR_OWNER), field="owner")


# Stages -------------------------------------------------------------------------------------------


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


def check_stage_move(
    *,
    project: Project,
    to_stage: str,
    user: User | None,
    reason: str = "",
    changed_on: dt.date | None = None,
    fields: tuple[str, str, str] = ("stage", "reason", "changed_on"),
) -> bool:
    """Refuse a move the rules forbid; answer whether it is a correction (a move backward).

    ``fields`` names the stage, reason and date as the door calls them (``stage_reason`` and
    ``stage_changed_on`` on a project's own form and body).
    """
    stage_field, reason_field, date_field = fields
    if to_stage not in ProjectStage.values:
        raise ServiceError(stage_field, _("未知的阶段。 Unknown stage."), code="invalid_choice")
    if to_stage == project.stage:
        raise ServiceError(stage_field, _("项目已处于该阶段。 The project is already at this stage."), code="unchanged")
    not_in_future(changed_on, rule="changed_on", field=date_field)
    latest = project.stage_changes.aggregate(latest=Max("changed_on"))["latest"]
    if changed_on is not None and latest is not None and changed_on < latest:
        raise ServiceError(
            date_field,
            _(
                "变更日期不能早于上一次阶段变更（%(latest)s）。 A change cannot be dated before the latest one (%(latest)s)."
            )
            % {"latest": latest.isoformat()},
            code="before_latest",
        )
    is_correction = stage_move_is_backward(project, to_stage)
    if is_correction and not _is_manager(user):
        raise ServiceForbidden(str(BACKWARD_MANAGERS_ONLY), field=stage_field)
    if is_correction and not (reason or "").strip():
        raise ServiceError(reason_field, str(BACKWARD_NEEDS_REASON), code="required")
    return is_correction


@transaction.atomic
def project_change_stage(
    *,
    project: Project,
    to_stage: str,
    user: User | None,
    reason: str = "",
    changed_on: dt.date | None = None,
    fields: tuple[str, str, str] = ("stage", "reason", "changed_on"),
) -> ProjectStageChange:
    """Move a project to another stage and keep the move in its stage history.

    Forward moves, and moves to or from stalled/dropped, are open to editors, with an optional
    reason; a move back along the path is a correction only a manager may make, with a reason.
    A move is dated today unless told otherwise, and never before the latest move.
    """
    reason = (reason or "").strip()
    is_correction = check_stage_move(
        project=project, to_stage=to_stage, user=user, reason=reason, changed_on=changed_on, fields=fields
    )
    changed_on = changed_on or today()
    # The stay in the stage the project leaves ends with this move (moves are never dated before
    # the latest one, so only the latest move's stay changes).
    latest = project.stage_changes.order_by("-changed_on", "-changed_at", "-id").first()
    if latest is not None:
        latest.stay_days = (changed_on - latest.changed_on).days
        latest.save(update_fields=["stay_days"])
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
    attribute(project, user, reason or _("阶段变更"))
    project.save()
    webhook_events.stage_changed(change, project, user)  # the outbox: written in this transaction
    return change


# Create and change --------------------------------------------------------------------------------


@transaction.atomic
def project_create(*, user: User | None, values: dict, reason: str = "") -> Project:
    """Create a project at any stage, with the date and reason of that stage as its first history
    (``stage_changed_on``, ``stage_reason``); ``reason`` names the creation in the record's history."""
    values = dict(values)
    stage_reason = (values.pop("stage_reason", "") or "").strip()
    stage_on = not_in_future(values.pop("stage_changed_on", None), rule="changed_on", field="stage_changed_on")
    stage_on = stage_on or today()
    values.setdefault("owner", user)  # the author follows the project unless another is named
    many = {name: values.pop(name) for name in list(values) if is_many(Project, name)}
    check_project(user=user, record=None, values={**values, **many})
    project = Project(**values)
    if project.stage not in ProjectStage.values:
        raise ServiceError("stage", _("未知的阶段。 Unknown stage."), code="invalid_choice")
    project.stage_changed_on = stage_on
    attribute(project, user, reason)
    project.full_clean(exclude=["stage_changed_on", *many], validate_unique=False, validate_constraints=False)
    project.save()
    for name, items in many.items():
        getattr(project, name).set(items)
    ProjectStageChange.objects.create(
        project=project,
        from_stage="",
        to_stage=project.stage,
        changed_on=stage_on,
        changed_by=user,
        reason=stage_reason or _("创建项目"),
    )
    return project


@transaction.atomic
def project_update(*, record: Project, user: User | None, values: dict, reason: str = "") -> Project:
    """Change a project's fields; a new ``stage`` (with ``stage_reason``, ``stage_changed_on``) is
    a stage move, recorded as :func:`project_change_stage` records it."""
    values = dict(values)
    to_stage = values.pop("stage", record.stage)
    stage_reason = values.pop("stage_reason", "") or ""
    stage_on = values.pop("stage_changed_on", None)
    check_project(user=user, record=record, values=values)
    moves = to_stage != record.stage
    if moves:
        # Refused before anything is written, with the names this door uses.
        check_stage_move(
            project=record,
            to_stage=to_stage,
            user=user,
            reason=stage_reason,
            changed_on=stage_on,
            fields=("stage", "stage_reason", "stage_changed_on"),
        )
    elif stage_on is not None and stage_on != record.stage_changed_on:
        raise ServiceError(
            "stage_changed_on",
            _("阶段日期只能随阶段变更一起修改。 The stage date changes only with a change of stage."),
        )
    if values or not moves:
        record = plain_update(record=record, user=user, values=values, reason=reason)
    if moves:
        project_change_stage(
            project=record,
            to_stage=to_stage,
            user=user,
            reason=stage_reason,
            changed_on=stage_on,
            fields=("stage", "stage_reason", "stage_changed_on"),
        )
    return record

"""Every write of the CRM. The API, the admin, the import and the commands all call these.

Each service is keyword-only, runs in one transaction and leaves history with the user who
acted and why. It owns its validation messages, the field rights of who may change what, the
optimistic lock (``version``), and its side effects (reminders re-planned, webhook events
written in the same transaction). Refusals are the exceptions of ``errors.py``.

- ``records``: create, update, delete and validate any record (dispatching to the kinds below)
- ``projects``: field rights, stage moves and the stage history
- ``work``: milestones and tasks (assignment, completing, reopening)
- ``agreements``: signing
- ``requests``: partner requests (resolving, declining)
"""

from .agreements import agreement_sign
from .common import FUTURE_DATE, today
from .errors import ServiceError, ServiceForbidden, StaleVersion, VersionRequired, check_version
from .projects import project_change_stage, project_create, stage_move_is_backward
from .records import create, delete, update, validate
from .requests import request_resolve
from .work import (
    cancel_reminders,
    milestone_complete,
    milestone_reopen,
    task_complete,
    task_reopen,
    task_set_status,
)

__all__ = [
    "FUTURE_DATE",
    "ServiceError",
    "ServiceForbidden",
    "StaleVersion",
    "VersionRequired",
    "agreement_sign",
    "cancel_reminders",
    "check_version",
    "create",
    "delete",
    "milestone_complete",
    "milestone_reopen",
    "project_change_stage",
    "project_create",
    "request_resolve",
    "stage_move_is_backward",
    "task_complete",
    "task_reopen",
    "task_set_status",
    "today",
    "update",
    "validate",
]

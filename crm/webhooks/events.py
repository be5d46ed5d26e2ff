"""The outbox: events written in the caller's transaction, with one delivery per subscriber.

Callers are the services (agreement signed, stage changed), the partner-request save hook and the
reminder sweep (milestone overdue and escalated, digest sent). Nothing is written when nobody
subscribes, so an installation without webhooks pays one small query per event.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .. import access
from ..models import (
    Milestone,
    Project,
    ReminderReason,
    ReminderSubject,
    Task,
    WebhookDelivery,
    WebhookEvent,
    WebhookEventType,
    WebhookSubscription,
)
from ..models.choices import RequestStatus

logger = logging.getLogger(__name__)

CLOSED_REQUEST = {RequestStatus.RESOLVED, RequestStatus.DECLINED}


@dataclass(frozen=True)
class NewEvent:
    type: str
    payload: dict
    object_type: str = ""
    object_id: int | None = None
    user_id: int | None = None
    dedupe_key: str = ""


def subscriptions_for(types: Iterable[str]) -> list[WebhookSubscription]:
    """Active subscriptions to any of ``types`` (few rows: filtered here, JSON lookups differ by database)."""
    wanted = set(types)
    rows = WebhookSubscription.objects.filter(is_active=True).only("id", "events", "user_id", "is_active")
    return [s for s in rows if wanted & set(s.events or [])]


def emit(events: list[NewEvent], subscriptions: list[WebhookSubscription] | None = None) -> int:
    """Write ``events`` and their deliveries; returns how many deliveries were created.

    An event with a ``dedupe_key`` already written is not written again (a sweep that plans the
    same occurrence twice); the unique (event, subscription) key stops a concurrent writer's twin.
    """
    if not events:
        return 0
    if subscriptions is None:
        subscriptions = subscriptions_for({e.type for e in events})
    targets = {}
    rows = []
    for event in events:
        wanted = [s for s in subscriptions if s.wants(event.type, event.user_id)]
        if not wanted:
            continue
        key = event.dedupe_key or f"{event.type}:{uuid.uuid4().hex}"
        targets[key] = wanted
        rows.append(
            WebhookEvent(
                type=event.type,
                dedupe_key=key,
                object_type=event.object_type,
                object_id=event.object_id,
                user_id=event.user_id,
                payload=event.payload,
            )
        )
    if not rows:
        return 0
    with transaction.atomic():
        keys = list(targets)
        existing = set()
        for start in range(0, len(keys), 1000):
            existing.update(
                WebhookEvent.objects.filter(dedupe_key__in=keys[start : start + 1000]).values_list(
                    "dedupe_key", flat=True
                )
            )
        fresh = [r for r in rows if r.dedupe_key not in existing]
        WebhookEvent.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=500)
        now = timezone.now()
        deliveries = []
        fresh_keys = [r.dedupe_key for r in fresh]
        for start in range(0, len(fresh_keys), 1000):
            for pk, key in WebhookEvent.objects.filter(dedupe_key__in=fresh_keys[start : start + 1000]).values_list(
                "pk", "dedupe_key"
            ):
                deliveries.extend(
                    WebhookDelivery(event_id=pk, subscription_id=s.pk, next_attempt_at=now) for s in targets[key]
                )
        WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True, batch_size=500)
    if deliveries:
        transaction.on_commit(ring_the_bell)
    return len(deliveries)


def ring_the_bell() -> None:
    """Ask a worker to deliver now rather than at the next beat; the beat catches up if this fails."""
    if not settings.WEBHOOK_DELIVER_ON_COMMIT:
        return
    try:
        # By name: the task's module imports the delivery code, which must not import this one back.
        current_app.send_task("crm.tasks.deliver_webhooks", retry=False, expires=300)
    except Exception:
        logger.warning("could not queue deliver_webhooks; the beat schedule will deliver", exc_info=True)


# What the payloads say about the CRM's records -----------------------------------------------------
#
# A subscriber is a group (a system, a chat group), outside the read rule: a confidential project is
# told as crm/access/channels.py allows everybody. Field by field: docs/webhooks.md, "Channel rules
# for confidential projects".


def _name(user) -> str | None:
    return str(user) if user is not None else None


def project_ref(project) -> dict | None:
    """A project as outside systems may see it: a confidential one by its code name, without the
    location and amount that would tell which project it is."""
    if project is None:
        return None
    secret = access.is_secret(project)
    return {
        "id": project.pk,
        "name": access.public_project_name(project),
        "is_confidential": project.is_confidential,
        "stage": project.stage,
        "stage_display": project.get_stage_display(),
        "location": "" if secret else project.location or "",
        "total_investment": None if secret or project.total_investment is None else str(project.total_investment),
    }


def _milestone_kind(milestone) -> str:
    """A milestone's kind as a title: ``开工节点``."""
    return f"{milestone.get_kind_display()}{ReminderSubject.MILESTONE.label}"


def agreement_signed(agreement, user) -> int:
    subscriptions = subscriptions_for([WebhookEventType.AGREEMENT_SIGNED])
    if not subscriptions:
        return 0
    # Signing may just have moved the project to 签约: read it as it is now.
    project = Project.objects.filter(pk=agreement.project_id).first() if agreement.project_id else None
    payload = {
        "agreement": {
            "id": agreement.pk,
            "title": agreement.title,
            "kind": agreement.kind,
            "kind_display": agreement.get_kind_display(),
            "signed_on": agreement.signed_on.isoformat() if agreement.signed_on else None,
            "amount": None if agreement.amount is None else str(agreement.amount),
            "companies": list(agreement.companies.order_by("pk").values_list("name", flat=True)),
        },
        "project": project_ref(project),
        "signed_by": _name(user),
    }
    if access.is_secret(project):  # its title, parties and amount would tell which project it is
        payload["agreement"] |= {
            "title": f"{access.public_project_name(project)} {agreement.get_kind_display()}",
            "amount": None,
            "companies": [],
        }
    return emit_one(
        WebhookEventType.AGREEMENT_SIGNED,
        payload,
        agreement,
        user_id=project.owner_id if project is not None else None,
        subscriptions=subscriptions,
    )


def stage_changed(change, project, user) -> int:
    subscriptions = subscriptions_for([WebhookEventType.PROJECT_STAGE_CHANGED])
    if not subscriptions:
        return 0
    payload = {
        "project": project_ref(project),
        "from_stage": change.from_stage,
        "from_stage_display": change.get_from_stage_display() if change.from_stage else "",
        "to_stage": change.to_stage,
        "to_stage_display": change.get_to_stage_display(),
        "changed_on": change.changed_on.isoformat(),
        "changed_by": _name(user),
        "reason": access.public_text(change.reason, project),
        "is_correction": change.is_correction,
    }
    return emit_one(
        WebhookEventType.PROJECT_STAGE_CHANGED, payload, project, user_id=project.owner_id, subscriptions=subscriptions
    )


def partner_request_saved(request, *, created: bool, previous_status: str | None) -> int:
    """A request entered (opened) or moved to resolved/declined (resolved) raises its event."""
    if created and request.status not in CLOSED_REQUEST:
        event_type = WebhookEventType.REQUEST_OPENED
    elif request.status in CLOSED_REQUEST and (created or previous_status not in CLOSED_REQUEST):
        event_type = WebhookEventType.REQUEST_RESOLVED
    else:
        return 0
    subscriptions = subscriptions_for([event_type])
    if not subscriptions:
        return 0
    payload = {
        "request": {
            "id": request.pk,
            "company_id": request.company_id,
            "company_name": request.company.name,
            "category": request.category,
            "description": request.description[:1000],
            "status": request.status,
            "status_display": request.get_status_display(),
            "raised_on": _iso(request.raised_on),
            "due_on": _iso(request.due_on),
            "resolved_on": _iso(request.resolved_on),
            "resolution": request.resolution[:1000],
            "assignee": _name(request.assignee) if request.assignee_id else None,
        }
    }
    return emit_one(event_type, payload, request, user_id=request.assignee_id, subscriptions=subscriptions)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def emit_one(event_type, payload, obj, *, user_id=None, subscriptions=None) -> int:
    event = NewEvent(
        type=event_type,
        payload=payload,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        user_id=user_id,
    )
    return emit([event], subscriptions)


def reminders_planned(subject: str, created) -> int:
    """New overdue and escalation reminders of milestones become ``milestone.*`` events.

    Overdue: once per milestone and due date (the first overdue reminder). Escalated: once per
    escalation step (the managers' reminders of that step share one event).
    """
    if subject != ReminderSubject.MILESTONE:
        return 0
    created = [r for r in created if r.reason in (ReminderReason.OVERDUE, ReminderReason.ESCALATION)]
    if not created:
        return 0
    types = {WebhookEventType.MILESTONE_OVERDUE, WebhookEventType.MILESTONE_ESCALATED}
    subscriptions = subscriptions_for(types)
    if not subscriptions:
        return 0
    steps = {}
    for row in created:
        if row.reason == ReminderReason.OVERDUE:
            steps[(WebhookEventType.MILESTONE_OVERDUE, row.object_id, f"{row.due_on}")] = row
        else:
            steps[(WebhookEventType.MILESTONE_ESCALATED, row.object_id, row.occurrence)] = row
    milestones = Milestone.objects.select_related("project", "assignee", "project__owner").in_bulk(
        {object_id for _, object_id, _ in steps}
    )
    today = timezone.localdate()
    events = []
    for event_type, object_id, step in steps:
        milestone = milestones.get(object_id)
        if milestone is None:
            continue
        responsible = milestone.assignee or milestone.project.owner
        payload = {
            "milestone": {
                "id": milestone.pk,
                "title": access.public_item_title(milestone.title, milestone.project, _milestone_kind(milestone)),
                "kind": milestone.kind,
                "kind_display": milestone.get_kind_display(),
                "due_on": milestone.due_on.isoformat(),
                "days_overdue": max(1, (today - milestone.due_on).days),
                "assignee": _name(responsible),
            },
            "project": project_ref(milestone.project),
        }
        events.append(
            NewEvent(
                type=event_type,
                payload=payload,
                object_type="milestone",
                object_id=milestone.pk,
                user_id=responsible.pk if responsible else None,
                dedupe_key=f"{event_type}:{milestone.pk}:{step}",
            )
        )
    return emit(events, subscriptions)


def digest_sent(rows, message_id: str) -> int:
    """A reminder digest went out by email: the recipient's chat group hears of it too.

    The email is already marked sent: a failure here is logged, never raised into the sweep.
    """
    try:
        return _digest_event(rows, message_id)
    except Exception:
        logger.exception("could not write the reminder.digest event of %s", message_id)
        return 0


def _digest_event(rows, message_id: str) -> int:
    if not rows:
        return 0
    recipient = rows[0].recipient
    subscriptions = subscriptions_for([WebhookEventType.REMINDER_DIGEST])
    if not any(s.user_id == recipient.pk for s in subscriptions):
        return 0

    titles = _public_titles(rows)
    today = timezone.localdate()
    payload = {
        "user": {"id": recipient.pk, "name": str(recipient)},
        "count": len(rows),
        "items": [
            {
                "kind": row.subject,
                "kind_display": str(ReminderSubject(row.subject).label),
                "title": titles[row.pk],
                "due_on": row.due_on.isoformat(),
                "days_left": (row.due_on - today).days,
                "reason": row.reason,
                "reason_display": str(ReminderReason(row.reason).label),
                "url": settings.SITE_URL + row.admin_path(),
            }
            for row in rows
        ],
    }
    event = NewEvent(
        type=WebhookEventType.REMINDER_DIGEST,
        payload=payload,
        object_type="user",
        object_id=recipient.pk,
        user_id=recipient.pk,
        dedupe_key=f"{WebhookEventType.REMINDER_DIGEST}:{message_id}"[:200],
    )
    return emit([event], subscriptions)


def _public_titles(rows) -> dict[int, str]:
    """Each reminder's title as its recipient's chat group may read it, by reminder id.

    A reminder's title names its project and item; of a confidential project the group reads the
    code name and the kind of item (``代号：开工节点``). An item gone meanwhile is told by its kind.
    """
    ids = defaultdict(set)
    for row in rows:
        ids[row.subject].add(row.object_id)
    milestones = Milestone.objects.select_related("project").in_bulk(ids[ReminderSubject.MILESTONE])
    tasks = Task.objects.select_related("project", "agreement__project").in_bulk(ids[ReminderSubject.TASK])
    titles = {}
    for row in rows:
        kind = str(ReminderSubject(row.subject).label)
        if row.subject == ReminderSubject.MILESTONE:
            item = milestones.get(row.object_id)
            project = item.project if item else None
            kind = _milestone_kind(item) if item else kind
        elif row.subject == ReminderSubject.TASK:
            item = tasks.get(row.object_id)
            project = _secret_project_of(item)
        else:  # a partner request belongs to no project
            titles[row.pk] = row.title
            continue
        if item is None:  # deleted since: whether it was secret is no longer known
            titles[row.pk] = kind
        elif access.is_secret(project):
            titles[row.pk] = (
                f"{access.public_project_name(project)}：{access.public_item_title(row.title, project, kind)}"
            )
        else:
            titles[row.pk] = row.title
    return titles


def _secret_project_of(task):
    """The confidential project a task belongs to, directly or through its agreement, if any."""
    if task is None:
        return None
    for project in (task.project, task.agreement.project if task.agreement_id else None):
        if access.is_secret(project):
            return project
    return None

"""Planning: what is reminded, when, and the rows a sweep inserts or cancels (see ``__init__``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import CharField, OuterRef, Q, Subquery, Value
from django.utils import timezone

from .. import access
from ..models import (
    Milestone,
    PartnerRequest,
    Reminder,
    ReminderReason,
    ReminderStatus,
    ReminderSubject,
    Task,
    User,
)
from ..models.choices import RequestStatus, TaskStatus
from ..webhooks import events as webhook_events

LOCAL_TZ = ZoneInfo(settings.TIME_ZONE)
WEEK = 7


# What is reminded -------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """Something with a due date that someone must be reminded of."""

    subject: str
    pk: int
    title: str
    due_on: dt.date
    recipient: User | None
    admin_path: str
    secret: bool = False  # of a confidential project: crm/access says who may be reminded of it


def _milestone_items(queryset) -> Iterable[Item]:
    for m in queryset.select_related("project", "project__owner", "assignee"):
        yield Item(
            ReminderSubject.MILESTONE,
            m.pk,
            f"{m.project.name}：{m.title}",
            m.due_on,
            m.assignee or m.project.owner,
            f"/admin/crm/milestone/{m.pk}/change/",
            access.is_secret(m.project),
        )


def _task_items(queryset) -> Iterable[Item]:
    for t in queryset.select_related("assignee", "project__owner", "agreement__project"):
        yield Item(
            ReminderSubject.TASK,
            t.pk,
            t.title,
            t.due_on,
            t.assignee or (t.project.owner if t.project_id else None),
            f"/admin/crm/task/{t.pk}/change/",
            access.is_secret(t.project) or access.is_secret(t.agreement.project if t.agreement_id else None),
        )


def _request_items(queryset) -> Iterable[Item]:
    for r in queryset.select_related("company", "assignee"):
        yield Item(
            ReminderSubject.REQUEST,
            r.pk,
            f"{r.company.name}：{r.description[:60]}",
            r.due_on,
            r.assignee,
            f"/admin/crm/partnerrequest/{r.pk}/change/",
        )


@dataclass(frozen=True)
class SubjectSpec:
    model: type
    open: Q
    items: object


SUBJECTS = {
    ReminderSubject.MILESTONE: SubjectSpec(Milestone, Q(done_on__isnull=True), _milestone_items),
    ReminderSubject.TASK: SubjectSpec(
        Task, Q(status__in=[TaskStatus.OPEN, TaskStatus.IN_PROGRESS], due_on__isnull=False), _task_items
    ),
    ReminderSubject.REQUEST: SubjectSpec(
        PartnerRequest,
        Q(status__in=[RequestStatus.OPEN, RequestStatus.IN_PROGRESS], due_on__isnull=False),
        _request_items,
    ),
}


# When -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    reason: str
    key: str
    on: dt.date


def occurrence_for(due_on: dt.date, today: dt.date) -> Occurrence | None:
    """The reminder an item's owner should have had by ``today`` (the latest one only).

    Before the due date: the smallest of ``REMINDER_DAYS_BEFORE`` that has been reached, so a
    sweep that missed the 7-day reminder and runs on the 1-day one sends only the 1-day one.
    Overdue: daily for the first week, then weekly.
    """
    days_left = (due_on - today).days
    if days_left >= 0:
        reached = [d for d in settings.REMINDER_DAYS_BEFORE if d >= days_left]
        if not reached:
            return None
        days = min(reached)
        return Occurrence(ReminderReason.BEFORE, f"{due_on}:before:{days}", due_on - dt.timedelta(days=days))
    overdue = -days_left
    step = overdue if overdue <= WEEK else WEEK * (overdue // WEEK)
    return Occurrence(ReminderReason.OVERDUE, f"{due_on}:overdue:{step}", due_on + dt.timedelta(days=step))


def escalation_for(due_on: dt.date, today: dt.date) -> Occurrence | None:
    """Managers hear of an item ``ESCALATE_AFTER_DAYS`` overdue, then weekly while it stays so."""
    overdue = (today - due_on).days
    first = settings.ESCALATE_AFTER_DAYS
    if overdue < first:
        return None
    step = first + WEEK * ((overdue - first) // WEEK)
    return Occurrence(ReminderReason.ESCALATION, f"{due_on}:escalate:{step}", due_on + dt.timedelta(days=step))


def send_time(on: dt.date) -> dt.datetime:
    """Reminders of a day go out from ``REMINDER_SEND_HOUR`` o'clock, Asia/Shanghai."""
    return dt.datetime.combine(on, dt.time(settings.REMINDER_SEND_HOUR), tzinfo=LOCAL_TZ)


# Plan --------------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    created: int = 0
    sent: int = 0
    emails: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "errors"} | {"errors": self.errors[:5]}


# Why a reminder is never sent: its item belongs to a confidential project its recipient may not
# see (assigned before, or the recipient left the project's team). docs/reminders.md
NOT_VISIBLE = "收件人无权查看该事项 the recipient may not see this item"


def _row(item: Item, occurrence: Occurrence, recipient: User, today: dt.date) -> Reminder:
    status, error = ReminderStatus.PENDING, ""
    if not recipient.is_active:
        status, error = ReminderStatus.SKIPPED, "收件人已停用 recipient is inactive"
    elif not recipient.email:
        status, error = ReminderStatus.SKIPPED, "收件人没有邮箱 recipient has no email address"
    # A weekly occurrence found for the first time (a new item, long overdue) is due today, not
    # days ago: only rows that really waited are reported late.
    scheduled = send_time(max(occurrence.on, today))
    return Reminder(
        subject=item.subject,
        object_id=item.pk,
        occurrence=occurrence.key,
        recipient=recipient,
        reason=occurrence.reason,
        title=item.title[:300],
        due_on=item.due_on,
        scheduled_for=scheduled,
        next_attempt_at=scheduled,
        status=status,
        last_error=error,
    )


def _managers() -> list[User]:
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(groups__name="manager") | Q(is_superuser=True))
        .distinct()
        .order_by("pk")
    )


# An item saved this long before a sweep started may still have been committed after it.
PLAN_OVERLAP = dt.timedelta(minutes=10)


def plan(
    today: dt.date,
    now: dt.datetime,
    result: SweepResult,
    since: dt.datetime | None = None,
    changed: set[str] | None = None,
) -> None:
    """Insert the reminder rows that apply today and do not exist yet.

    With ``since``, only items changed since then are read (the minute-by-minute sweep); without,
    every open item in the window is (the first sweep of each local day, when occurrences move on).
    ``changed`` names the kinds of item to plan, when the caller already knows them.
    """
    horizon = today + dt.timedelta(days=max(settings.REMINDER_DAYS_BEFORE, default=0))
    managers = None
    if changed is None:
        changed = _subjects_to_plan(since)
    for subject, spec in SUBJECTS.items():
        if subject not in changed:
            continue  # nothing of this kind saved since: nothing to plan or cancel (docs/performance.md)
        queryset = spec.model._default_manager.filter(spec.open, due_on__lte=horizon).order_by("due_on", "pk")
        if since is not None:
            queryset = queryset.filter(updated_at__gte=since)
        wanted: list[Reminder] = []
        secret: list[Reminder] = []
        for item in spec.items(queryset):
            rows = []
            occurrence = occurrence_for(item.due_on, today)
            if occurrence is not None and item.recipient is not None:
                rows.append(_row(item, occurrence, item.recipient, today))
            escalation = escalation_for(item.due_on, today)
            if escalation is not None:
                managers = _managers() if managers is None else managers
                rows.extend(_row(item, escalation, manager, today) for manager in managers)
            wanted.extend(rows)
            if item.secret:
                secret.extend(rows)
        _skip_unseen(spec.model, secret)
        created = _insert_missing(subject, wanted)
        webhook_events.reminders_planned(subject, created)  # milestone.overdue / .escalated, same transaction
        result.created += len(created)
        result.skipped += sum(1 for r in created if r.status == ReminderStatus.SKIPPED)
        result.cancelled += _cancel_stale(subject, spec, since)


def _skip_unseen(model: type, rows: list[Reminder]) -> None:
    """Skip the rows whose recipient may not see their item: one query per recipient, and only for
    items of confidential projects (nothing else is hidden from anyone)."""
    by_recipient = defaultdict(list)
    for row in rows:
        if row.status == ReminderStatus.PENDING:
            by_recipient[row.recipient_id].append(row)
    for mine in by_recipient.values():
        items = model._default_manager.filter(pk__in={r.object_id for r in mine})
        seen = set(access.visible(mine[0].recipient, items).values_list("pk", flat=True))
        for row in mine:
            if row.object_id not in seen:
                row.status, row.last_error = ReminderStatus.SKIPPED, NOT_VISIBLE


def _subjects_to_plan(since: dt.datetime | None) -> set[str]:
    """Every kind of item for a full plan (no ``since``); otherwise the kinds saved since
    ``since``: one query on their ``updated_at`` indexes."""
    if since is None:
        return set(SUBJECTS)
    queries = [
        spec.model._default_manager.filter(updated_at__gte=since)
        .order_by()
        .annotate(changed_subject=Value(subject, output_field=CharField()))
        .values_list("changed_subject", flat=True)
        for subject, spec in SUBJECTS.items()
    ]
    return set(queries[0].union(*queries[1:]))


def _insert_missing(subject: str, wanted: list[Reminder]) -> list[Reminder]:
    if not wanted:
        return []
    existing = set()
    ids = sorted({r.object_id for r in wanted})
    for start in range(0, len(ids), 5000):
        existing.update(
            Reminder.objects.filter(subject=subject, object_id__in=ids[start : start + 5000]).values_list(
                "object_id", "occurrence", "recipient_id"
            )
        )
    missing = [r for r in wanted if (r.object_id, r.occurrence, r.recipient_id) not in existing]
    # ignore_conflicts: a concurrent sweep may have inserted the same rows a moment ago.
    Reminder.objects.bulk_create(missing, ignore_conflicts=True, batch_size=1000)
    return missing


def _cancel_stale(subject: str, spec: SubjectSpec, since: dt.datetime | None = None) -> int:
    """Pending reminders of items now done, cancelled, deleted or moved to another date.

    With ``since``, only items changed since then are looked at; a deleted item's reminder is
    caught when it is claimed (:func:`_still_due`) or by the next day's full plan.
    """
    pending = Reminder.objects.filter(subject=subject, status=ReminderStatus.PENDING).order_by()
    if since is not None:
        changed = spec.model._default_manager.filter(updated_at__gte=since).order_by().values("pk")
        pending = pending.filter(object_id__in=changed)
    # One query: each pending reminder with its item's due date, if the item is still open.
    current = spec.model._default_manager.filter(spec.open, pk=OuterRef("object_id")).order_by().values("due_on")[:1]
    rows = pending.annotate(current_due=Subquery(current)).values_list("pk", "due_on", "current_due")
    stale = [pk for pk, due, current_due in rows if current_due != due]
    if not stale:
        return 0
    return Reminder.objects.filter(pk__in=stale, status=ReminderStatus.PENDING).update(
        status=ReminderStatus.CANCELLED,
        last_error="事项已完成或日期已变更 item done or rescheduled",
        updated_at=timezone.now(),
    )


def cancel_pending(*, subject: str, object_id: int, keep_due_on: dt.date | None = None) -> int:
    """Cancel an item's pending reminders (all, or those not for ``keep_due_on``)."""
    pending = Reminder.objects.filter(subject=subject, object_id=object_id, status=ReminderStatus.PENDING)
    if keep_due_on is not None:
        pending = pending.exclude(due_on=keep_due_on)
    return pending.update(
        status=ReminderStatus.CANCELLED,
        last_error="事项已完成或日期已变更 item done or rescheduled",
        updated_at=timezone.now(),
    )


def retry_failed(*, ids, now: dt.datetime | None = None) -> int:
    """Give failed reminders a fresh start: pending again, attempts reset, due now."""
    now = now or timezone.now()
    return Reminder.objects.filter(pk__in=list(ids), status=ReminderStatus.FAILED).update(
        status=ReminderStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        claim_token=None,
        claimed_until=None,
        updated_at=now,
    )

"""The reminder sweep: the database is the queue, the broker only rings the bell.

One sweep (every minute from beat, or ``manage.py send_reminders``):

1. **Plan.** For every open milestone, task and partner request with a due date, work out the
   reminder occurrence that applies today (N days before, overdue, escalation to managers) and
   insert the rows that do not exist yet. The unique key (subject, object, occurrence, recipient)
   makes a second row for the same reminder impossible, whatever runs at the same time.
2. **Claim.** Per recipient, the due rows are claimed with one conditional UPDATE that sets a
   claim token and a lease; a row whose lease ran out (its sender died) is claimable again.
3. **Send.** One digest email per recipient, in their language, with an .ics attachment and a
   Message-ID stable for the same set of reminders.
4. **Mark.** A compare-and-set on the claim token marks them sent. A failure puts them back with
   a backoff kept in the row; after ``REMINDER_MAX_ATTEMPTS`` they are failed and stay visible.

After an outage, the next sweep sends what is due oldest first, at most
``REMINDER_MAX_EMAILS_PER_SWEEP`` emails a sweep, and marks what is very late.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import smtplib
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import CharField, Count, F, Max, Min, OuterRef, Q, Subquery, Value
from django.template.loader import render_to_string
from django.utils import timezone
from icalendar import Calendar, Event

from . import access
from .backoff import retry_delay
from .models import (
    Milestone,
    PartnerRequest,
    Reminder,
    ReminderReason,
    ReminderStatus,
    ReminderSubject,
    ReminderSweep,
    Task,
    User,
)
from .models.choices import RequestStatus, TaskStatus
from .webhooks import events as webhook_events

logger = logging.getLogger(__name__)

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


# Claim, send, mark -----------------------------------------------------------------------------


def _claimable(now: dt.datetime) -> Q:
    return Q(status=ReminderStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=ReminderStatus.SENDING, claimed_until__lt=now
    )


def claim(recipient_id: int, now: dt.datetime) -> tuple[uuid.UUID, list[Reminder]]:
    """Atomically take every due reminder of one recipient; nobody else can take them now."""
    token = uuid.uuid4()
    now = max(now, timezone.now())  # a long sweep must not hand out leases that already ran out
    lease = now + dt.timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
    Reminder.objects.filter(_claimable(now), recipient_id=recipient_id).update(
        status=ReminderStatus.SENDING,
        claim_token=token,
        claimed_until=lease,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    rows = list(Reminder.objects.filter(claim_token=token).select_related("recipient").order_by("scheduled_for", "pk"))
    return token, rows


def _still_due(rows: list[Reminder]) -> tuple[list[Reminder], list[Reminder]]:
    """Split claimed rows into those whose item is still open at that due date, and the rest."""
    by_subject = defaultdict(set)
    for row in rows:
        by_subject[row.subject].add(row.object_id)
    current = {}
    for subject, ids in by_subject.items():
        spec = SUBJECTS[subject]
        for pk, due in spec.model._default_manager.filter(spec.open, pk__in=ids).values_list("pk", "due_on"):
            current[(subject, pk)] = due
    keep = [r for r in rows if current.get((r.subject, r.object_id)) == r.due_on]
    return keep, [r for r in rows if current.get((r.subject, r.object_id)) != r.due_on]


def _seen_by_recipient(rows: list[Reminder]) -> tuple[list[Reminder], list[Reminder]]:
    """Split one recipient's claimed rows into those about items they may see now, and the rest
    (they left the project's team since the row was planned)."""
    if not rows:
        return rows, []
    claimed = Reminder.objects.filter(pk__in=[r.pk for r in rows])
    seen = set(access.without_hidden_items(claimed, rows[0].recipient).values_list("pk", flat=True))
    return [r for r in rows if r.pk in seen], [r for r in rows if r.pk not in seen]


def _finish(rows: list[Reminder], token: uuid.UUID, **values) -> int:
    """Compare-and-set: only rows still held under ``token`` change."""
    return Reminder.objects.filter(
        pk__in=[r.pk for r in rows], claim_token=token, status=ReminderStatus.SENDING
    ).update(claim_token=None, claimed_until=None, updated_at=timezone.now(), **values)


def _release(rows: list[Reminder], token: uuid.UUID, error: str, now: dt.datetime, result: SweepResult) -> None:
    """Give the rows back with a backoff, or fail those that used up their attempts."""
    retry = [r for r in rows if r.attempts < settings.REMINDER_MAX_ATTEMPTS]
    give_up = [r for r in rows if r.attempts >= settings.REMINDER_MAX_ATTEMPTS]
    by_attempts = defaultdict(list)
    for row in retry:
        by_attempts[row.attempts].append(row)
    for attempts, group in by_attempts.items():
        result.retried += _finish(
            group,
            token,
            status=ReminderStatus.PENDING,
            next_attempt_at=now + retry_delay(settings.REMINDER_BACKOFF_SECONDS, attempts),
            last_error=error[:2000],
        )
    if give_up:
        result.failed += _finish(give_up, token, status=ReminderStatus.FAILED, last_error=error[:2000])


class ConnectionTrouble(Exception):
    """The mail server cannot be reached: stop this sweep, retry later."""


def deliver(connection, rows: list[Reminder], now: dt.datetime) -> str:
    """Send one digest to the recipient of ``rows``; returns its Message-ID."""
    message = build_digest(rows, now)
    try:
        connection.send_messages([message])
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as exc:
        raise ConnectionTrouble(f"{type(exc).__name__}: {exc}") from exc
    except smtplib.SMTPException:
        raise  # this message or recipient was refused; the others may still go
    except OSError as exc:  # refused, unreachable, timed out
        raise ConnectionTrouble(f"{type(exc).__name__}: {exc}") from exc
    return message.extra_headers["Message-ID"]


def send_due(now: dt.datetime, result: SweepResult) -> None:
    """Claim, send and mark, one recipient at a time, oldest reminders first."""
    limit = settings.REMINDER_MAX_EMAILS_PER_SWEEP
    recipients = list(
        Reminder.objects.filter(_claimable(now))
        .values("recipient_id")
        .annotate(first=Min("scheduled_for"))
        .order_by("first", "recipient_id")
        .values_list("recipient_id", flat=True)[:limit]
    )
    if not recipients:
        return
    # One SMTP session per digest (opened and closed by send_messages), each bounded by EMAIL_TIMEOUT.
    connection = get_connection(fail_silently=False)
    for recipient_id in recipients:
        token, rows = claim(recipient_id, now)
        if not rows:
            continue  # another sweep took them
        rows, gone = _still_due(rows)
        if gone:
            result.cancelled += _finish(
                gone,
                token,
                status=ReminderStatus.CANCELLED,
                last_error="事项已完成或日期已变更 item done or rescheduled",
            )
        rows, unseen = _seen_by_recipient(rows)
        if unseen:
            result.skipped += _finish(unseen, token, status=ReminderStatus.SKIPPED, last_error=NOT_VISIBLE)
        if not rows:
            continue
        try:
            message_id = deliver(connection, rows, now)
        except ConnectionTrouble as exc:
            _release(rows, token, str(exc), now, result)
            result.errors.append(str(exc))
            logger.warning("mail server unreachable, stopping this sweep: %s", exc)
            break
        except smtplib.SMTPException as exc:  # refused recipient (550), message refused...
            _release(rows, token, f"{type(exc).__name__}: {exc}", now, result)
            result.errors.append(f"{type(exc).__name__}: {exc}")
            continue
        late = [r for r in rows if now - r.scheduled_for > dt.timedelta(hours=settings.REMINDER_LATE_AFTER_HOURS)]
        on_time = [r for r in rows if r not in late]
        marked = 0
        if on_time:
            marked += _finish(on_time, token, status=ReminderStatus.SENT, sent_at=now, message_id=message_id)
        if late:
            marked += _finish(late, token, status=ReminderStatus.SENT, sent_at=now, message_id=message_id, is_late=True)
        if marked < len(rows):
            logger.error("lease of %s reminders expired while sending to user %s", len(rows) - marked, recipient_id)
        result.sent += marked
        result.emails += 1
        webhook_events.digest_sent(rows, message_id)  # reminder.digest to the recipient's chat group


# The sweep ---------------------------------------------------------------------------------------


def sweep(now: dt.datetime | None = None) -> dict:
    """One complete sweep: plan, then claim-send-mark. Safe to run many times at once."""
    now = now or timezone.now()
    today = timezone.localtime(now, LOCAL_TZ).date()
    record = ReminderSweep.objects.create(started_at=now)
    result = SweepResult()
    try:
        since = _incremental_since(now)
        changed = _subjects_to_plan(since)
        if changed:  # a minute in which nothing was saved costs no transaction
            with transaction.atomic():
                plan(today, now, result, since=since, changed=changed)
        record.planned = "full" if since is None else "incremental"
        send_due(now, result)
    except Exception as exc:
        record.error = f"{type(exc).__name__}: {exc}"[:2000]
        raise
    finally:
        for name in ("created", "sent", "emails", "retried", "failed", "cancelled", "skipped"):
            setattr(record, name, getattr(result, name))
        if result.errors and not record.error:
            record.error = "; ".join(result.errors[:3])[:2000]
        record.finished_at = timezone.now()
        record.save()
    if record.planned == "full":  # once a day is enough to forget old sweeps
        ReminderSweep.objects.filter(started_at__lt=now - dt.timedelta(days=30)).delete()
    return result.as_dict()


def _incremental_since(now: dt.datetime) -> dt.datetime | None:
    """When today's full plan is done, the time from which changed items must be planned again."""
    midnight = dt.datetime.combine(timezone.localtime(now, LOCAL_TZ).date(), dt.time(), tzinfo=LOCAL_TZ)
    planned_today = ReminderSweep.objects.filter(started_at__gte=midnight, started_at__lte=now).exclude(planned="")
    found = planned_today.aggregate(full=Count("pk", filter=Q(planned="full")), last=Max("started_at"))
    if not found["full"]:
        return None
    return found["last"] - PLAN_OVERLAP


def dry_run(now: dt.datetime | None = None) -> list[Reminder]:
    """What a sweep would send now, without writing anything."""
    now = now or timezone.now()
    today = timezone.localtime(now, LOCAL_TZ).date()
    result = SweepResult()
    with transaction.atomic():
        plan(today, now, result)
        due = list(Reminder.objects.filter(_claimable(now)).select_related("recipient").order_by("scheduled_for"))
        transaction.set_rollback(True)
    return due


def health() -> dict:
    """Last sweep, and how many reminders wait, failed, or are stuck."""
    last = ReminderSweep.objects.exclude(finished_at=None).order_by("-started_at").first()
    waiting = Reminder.objects.filter(status__in=[ReminderStatus.PENDING, ReminderStatus.SENDING])
    oldest = waiting.order_by("scheduled_for").values_list("scheduled_for", flat=True).first()
    return {
        "last_sweep_at": last.finished_at if last else None,
        "last_sweep_error": last.error if last else "",
        "pending": waiting.filter(status=ReminderStatus.PENDING).count(),
        "sending": waiting.filter(status=ReminderStatus.SENDING).count(),
        "failed": Reminder.objects.filter(status=ReminderStatus.FAILED).count(),
        "oldest_pending_scheduled_for": oldest,
    }


# The email ----------------------------------------------------------------------------------------

TEXT = {
    "zh-hans": {
        "subject": "【招商CRM】您有 {count} 项事项需要跟进",
        "greeting": "{name}，您好：",
        "intro": "以下事项即将到期或已经逾期，请及时跟进：",
        "late": "（因系统中断补发）",
        "due": "到期日",
        "open": "查看",
        "footer": "此邮件由招商引资 CRM 自动发送。完成事项后将不再提醒。",
        ReminderSubject.MILESTONE: "节点",
        ReminderSubject.TASK: "跟进事项",
        ReminderSubject.REQUEST: "企业诉求",
        ReminderReason.BEFORE: "{days} 天后到期",
        "today": "今天到期",
        ReminderReason.OVERDUE: "已逾期 {days} 天",
        ReminderReason.ESCALATION: "督办：已逾期 {days} 天",
    },
    "en": {
        "subject": "[CRM] {count} item(s) need your follow-up",
        "greeting": "Dear {name},",
        "intro": "The following items are due soon or overdue:",
        "late": "(sent late after an outage)",
        "due": "Due",
        "open": "Open",
        "footer": "Sent automatically by the investment-promotion CRM. Completed items are no longer reminded.",
        ReminderSubject.MILESTONE: "Milestone",
        ReminderSubject.TASK: "Follow-up task",
        ReminderSubject.REQUEST: "Partner request",
        ReminderReason.BEFORE: "due in {days} day(s)",
        "today": "due today",
        ReminderReason.OVERDUE: "overdue by {days} day(s)",
        ReminderReason.ESCALATION: "escalated: overdue by {days} day(s)",
    },
}


def _status_line(text: dict, row: Reminder, today: dt.date) -> str:
    days = (row.due_on - today).days
    if row.reason == ReminderReason.BEFORE:
        return text["today"] if days <= 0 else text[ReminderReason.BEFORE].format(days=days)
    return text[row.reason].format(days=max(1, -days))


def message_id_for(rows: list[Reminder]) -> str:
    """The same reminders always travel under the same Message-ID, so a re-send is a duplicate."""
    digest = hashlib.sha256(",".join(str(r.pk) for r in sorted(rows, key=lambda r: r.pk)).encode()).hexdigest()[:24]
    domain = urlparse(settings.SITE_URL).hostname or "localhost"
    return f"<crm-reminder-{digest}@{domain}>"


def build_calendar(rows: list[Reminder]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//zhaoshang-crm//reminders//ZH")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    seen = set()
    domain = urlparse(settings.SITE_URL).hostname or "localhost"
    for row in rows:
        if (row.subject, row.object_id) in seen:
            continue
        seen.add((row.subject, row.object_id))
        event = Event()
        event.add("uid", f"{row.subject}-{row.object_id}@{domain}")
        event.add("summary", row.title)
        event.add("dtstart", row.due_on)
        event.add("dtend", row.due_on + dt.timedelta(days=1))
        event.add("dtstamp", timezone.now())
        event.add("url", settings.SITE_URL + row.admin_path())
        calendar.add_component(event)
    return calendar.to_ical()


def build_digest(rows: list[Reminder], now: dt.datetime) -> EmailMultiAlternatives:
    recipient = rows[0].recipient
    language = recipient.language if recipient.language in TEXT else "zh-hans"
    text = TEXT[language]
    today = timezone.localtime(now, LOCAL_TZ).date()
    late_after = dt.timedelta(hours=settings.REMINDER_LATE_AFTER_HOURS)
    items = [
        {
            "kind": text[row.subject],
            "title": row.title,
            "due_on": row.due_on.isoformat(),
            "status": _status_line(text, row, today),
            "late": now - row.scheduled_for > late_after,
            "url": settings.SITE_URL + row.admin_path(),
        }
        for row in rows
    ]
    context = {"text": text, "items": items, "greeting": text["greeting"].format(name=recipient), "lang": language}
    message = EmailMultiAlternatives(
        subject=text["subject"].format(count=len(rows)),
        body=render_to_string("crm/emails/reminder_digest.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={
            "Message-ID": message_id_for(rows),
            "X-CRM-Reminder-Ids": ",".join(str(r.pk) for r in rows),
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(render_to_string("crm/emails/reminder_digest.html", context), "text/html")
    message.attach("reminders.ics", build_calendar(rows), "text/calendar")
    return message

"""Claim, send, mark, and the sweep that runs the three after planning (see ``__init__``)."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import uuid
from collections import defaultdict

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone

from .. import access
from ..backoff import retry_delay
from ..models import (
    Reminder,
    ReminderStatus,
    ReminderSweep,
)
from ..webhooks import events as webhook_events
from .digest import build_digest
from .planning import LOCAL_TZ, NOT_VISIBLE, PLAN_OVERLAP, SUBJECTS, SweepResult, _subjects_to_plan, plan

logger = logging.getLogger(__name__)


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

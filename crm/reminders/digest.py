"""The digest email: one per recipient and sweep, in their language, with an .ics attachment."""

from __future__ import annotations

import datetime as dt
import hashlib
from urllib.parse import urlparse

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from icalendar import Calendar, Event

from ..models import (
    Reminder,
    ReminderReason,
    ReminderSubject,
)
from .planning import LOCAL_TZ

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

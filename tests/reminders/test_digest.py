"""One digest email per recipient: in their language, as HTML, text and a calendar."""

import datetime as dt

import pytest
import time_machine
from icalendar import Calendar

from crm import reminders
from crm.models import Reminder
from tests.factories import MilestoneFactory, TaskFactory, UserFactory
from tests.reminders.helpers import D, at


@pytest.mark.django_db
def test_one_digest_per_recipient_in_their_language_with_html_text_and_calendar(smtp_server, settings, staff):
    settings.SITE_URL = "https://crm.example.org"
    english = UserFactory(email="anna@bureau.example.cn", full_name="Anna", language="en")
    first = MilestoneFactory(assignee=staff, due_on=D + dt.timedelta(days=1), title="开工")
    second = TaskFactory(assignee=staff, due_on=D, title="提交用地申请")
    MilestoneFactory(assignee=english, due_on=D - dt.timedelta(days=1), title="Land transfer")
    with time_machine.travel(at(D), tick=False):
        reminders.sweep()

    by_recipient = {m["To"]: m for m in smtp_server.messages}
    assert set(by_recipient) == {staff.email, english.email}
    chinese = by_recipient[staff.email]
    # Python folds a long encoded Subject onto a continuation line; the parser keeps that space.
    assert chinese["Subject"].strip() == "【招商CRM】您有 2 项事项需要跟进"
    text = chinese.get_body(("plain",)).get_content()
    html = chinese.get_body(("html",)).get_content()
    for fragment in (
        "开工",
        "提交用地申请",
        "1 天后到期",
        "今天到期",
        f"https://crm.example.org/admin/crm/milestone/{first.pk}/change/",
    ):
        assert fragment in text
        assert fragment in html
    assert chinese["Message-ID"].endswith("@crm.example.org>")
    [attachment] = [part for part in chinese.iter_attachments() if part.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(attachment.get_content())
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {f"milestone-{first.pk}@crm.example.org", f"task-{second.pk}@crm.example.org"}
    assert events[f"task-{second.pk}@crm.example.org"].decoded("dtstart") == D

    english_mail = by_recipient[english.email]
    assert english_mail["Subject"].strip() == "[CRM] 1 item(s) need your follow-up"
    assert "overdue by 1 day(s)" in english_mail.get_body(("plain",)).get_content()


def test_the_message_id_is_stable_for_the_same_reminders():
    rows = [Reminder(pk=3), Reminder(pk=1)]
    assert reminders.message_id_for(rows) == reminders.message_id_for(list(reversed(rows)))
    assert reminders.message_id_for(rows) != reminders.message_id_for([Reminder(pk=1)])

"""Reminder emails: never lost, never sent twice. Real database, real SMTP server (aiosmtpd)."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import close_old_connections, connections, transaction
from icalendar import Calendar

from crm import reminders, services
from crm.models import Milestone, Reminder, ReminderStatus
from crm.reminders import sending
from tests.factories import (
    MilestoneFactory,
    PartnerRequestFactory,
    ProjectFactory,
    TaskFactory,
    UserFactory,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = dt.date(2025, 3, 10)  # a Monday


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def ids_in(messages) -> list[int]:
    """Every reminder id carried by the messages, duplicates kept."""
    return [int(i) for m in messages for i in m["X-CRM-Reminder-Ids"].split(",")]


@pytest.fixture
def staff(db):
    return UserFactory(username="liwei", full_name="李伟", email="liwei@bureau.example.cn", role="editor")


# When reminders are due -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due_in", "expected"),
    [
        (10, None),
        (7, "before:7"),
        (5, "before:7"),  # created late, inside the window: the 7-day reminder still applies
        (1, "before:1"),
        (0, "before:0"),
        (-1, "overdue:1"),
        (-7, "overdue:7"),
        (-8, "overdue:7"),  # weekly after the first week
        (-13, "overdue:7"),
        (-14, "overdue:14"),
        (-30, "overdue:28"),
    ],
)
def test_the_occurrence_follows_days_before_then_daily_then_weekly(due_in, expected):
    due = D + dt.timedelta(days=due_in)
    occurrence = reminders.occurrence_for(due, D)
    assert (occurrence.key.split(":", 1)[1] if occurrence else None) == expected


@pytest.mark.parametrize(
    ("overdue", "expected"), [(2, None), (3, "escalate:3"), (9, "escalate:3"), (10, "escalate:10")]
)
def test_managers_are_told_after_three_days_then_weekly(overdue, expected):
    occurrence = reminders.escalation_for(D - dt.timedelta(days=overdue), D)
    assert (occurrence.key.split(":", 1)[1] if occurrence else None) == expected


# Delivery through a real worker ------------------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_milestone_due_in_seven_days_gives_exactly_one_email_through_the_worker(
    celery_worker, smtp_server, settings, staff
):
    from crm.models import ReminderSweep
    from crm.tasks import sweep_reminders

    settings.REMINDER_SEND_HOUR = 0  # due from midnight, whatever the time the test runs
    today = services.today()
    milestone = MilestoneFactory(assignee=staff, due_on=today + dt.timedelta(days=7), title="竣工验收")

    sweep_reminders.delay()
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "liwei@bureau.example.cn"
    assert "竣工验收" in message.get_body(("plain",)).get_content()
    # The server holds the message a moment before the worker hears "250" and marks the row sent:
    # wait for the sweep to finish rather than read the row in between (a race CI once lost).
    wait_until(lambda: ReminderSweep.objects.exclude(finished_at=None).count() == 1)
    assert Reminder.objects.get().status == ReminderStatus.SENT

    sweep_reminders.delay()
    wait_until(lambda: ReminderSweep.objects.exclude(finished_at=None).count() == 2)
    assert len(smtp_server.messages) == 1
    assert Reminder.objects.filter(object_id=milestone.pk).count() == 1


def wait_until(condition, timeout=30.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        close_old_connections()
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


# Transactions and concurrency ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_item_created_in_a_rolled_back_transaction_is_never_reminded(smtp_server, staff):
    class Abort(Exception):
        pass

    with time_machine.travel(at(D), tick=False):
        with pytest.raises(Abort), transaction.atomic():
            MilestoneFactory(assignee=staff, due_on=D + dt.timedelta(days=1))
            raise Abort
        result = reminders.sweep()
    assert result["created"] == 0
    assert Reminder.objects.count() == 0
    assert smtp_server.messages == []


@pytest.mark.django_db(transaction=True)
def test_four_sweeps_at_once_send_a_thousand_reminders_each_exactly_once(smtp_server, settings):
    users = [UserFactory(email=f"staff{i}@bureau.example.cn") for i in range(40)]
    project = ProjectFactory()
    Milestone.objects.bulk_create(
        Milestone(project=project, title=f"节点{i:04d}", due_on=D + dt.timedelta(days=7), assignee=users[i % 40])
        for i in range(1000)
    )
    errors = []

    def run():
        try:
            reminders.sweep(now=at(D))
        except Exception as exc:  # noqa: BLE001  (collected and asserted below)
            errors.append(exc)
        finally:
            connections.close_all()

    with time_machine.travel(at(D), tick=True):
        threads = [threading.Thread(target=run) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert errors == []
    assert Reminder.objects.count() == 1000
    assert Reminder.objects.filter(status=ReminderStatus.SENT).count() == 1000
    sent_ids = ids_in(smtp_server.messages)
    assert len(sent_ids) == 1000
    assert sorted(sent_ids) == sorted(Reminder.objects.values_list("pk", flat=True))
    assert len(smtp_server.messages) == 40  # one digest per recipient


# Failures ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_refusing_smtp_server_means_retry_with_backoff_then_exactly_one_send(smtp_server, staff):
    MilestoneFactory(assignee=staff, due_on=D + dt.timedelta(days=1))
    smtp_server.stop()
    with time_machine.travel(at(D), tick=False):
        result = reminders.sweep()
    row = Reminder.objects.get()
    assert result["retried"] == 1 and result["sent"] == 0
    assert (row.status, row.attempts) == (ReminderStatus.PENDING, 1)
    assert "ConnectionRefused" in row.last_error
    assert row.next_attempt_at == at(D) + dt.timedelta(seconds=60)

    with time_machine.travel(at(D, 9, 0) + dt.timedelta(seconds=30), tick=False):
        assert reminders.sweep()["sent"] == 0  # still backing off: nothing is attempted

    smtp_server.start()
    with time_machine.travel(at(D, 9, 2), tick=False):
        assert reminders.sweep()["sent"] == 1
        assert reminders.sweep()["sent"] == 0
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (
        ReminderStatus.SENT,
        2,
        "ConnectionRefusedError: [Errno 111] Connection refused",
    )
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_a_poison_address_fails_after_the_bounded_attempts_and_others_get_theirs(smtp_server, settings, staff):
    poison = UserFactory(email="nobody@invalid.example.cn")
    smtp_server.handler.refuse.add("nobody@invalid.example.cn")
    MilestoneFactory(assignee=staff, due_on=D + dt.timedelta(days=1))
    MilestoneFactory(assignee=poison, due_on=D + dt.timedelta(days=1))

    settings.REMINDER_BACKOFF_SECONDS = [60, 120]
    moment = at(D)
    for _ in range(settings.REMINDER_MAX_ATTEMPTS + 2):
        with time_machine.travel(moment, tick=False):
            reminders.sweep()
        moment += dt.timedelta(seconds=121)  # past the longest backoff

    bad = Reminder.objects.get(recipient=poison)
    assert bad.status == ReminderStatus.FAILED
    assert bad.attempts == settings.REMINDER_MAX_ATTEMPTS
    assert "550" in bad.last_error
    good = Reminder.objects.get(recipient=staff)
    assert good.status == ReminderStatus.SENT
    assert [m["To"] for m in smtp_server.messages] == ["liwei@bureau.example.cn"]
    assert reminders.health()["failed"] == 1


@pytest.mark.django_db
def test_a_claim_whose_lease_ran_out_is_taken_again_and_sent_once(smtp_server, settings, staff):
    """A sender that died after claiming (its rows stay 'sending') does not lose the reminder."""
    MilestoneFactory(assignee=staff, due_on=D + dt.timedelta(days=1))
    with time_machine.travel(at(D), tick=False):
        reminders.plan(D, at(D), reminders.SweepResult())
        token, rows = reminders.claim(staff.pk, at(D))  # ... and then the sender is killed
    assert [r.status for r in rows] == [ReminderStatus.SENDING]

    with time_machine.travel(at(D, 9, 1), tick=False):
        assert reminders.sweep()["sent"] == 0  # the lease still holds
    with time_machine.travel(at(D) + dt.timedelta(seconds=settings.REMINDER_LEASE_SECONDS + 1), tick=False):
        assert reminders.sweep()["sent"] == 1
    assert Reminder.objects.get().status == ReminderStatus.SENT
    assert len(smtp_server.messages) == 1
    # The dead sender's compare-and-set can no longer mark anything.
    assert sending._finish(rows, token, status=ReminderStatus.FAILED) == 0


@pytest.mark.django_db
def test_after_a_day_down_the_catch_up_sends_everything_due_once_and_marks_the_late(smtp_server, staff, manager):
    late_one = MilestoneFactory(assignee=staff, due_on=D + dt.timedelta(days=1), title="土地摘牌")
    task = TaskFactory(assignee=staff, due_on=D + dt.timedelta(days=1), title="回访企业")
    request = PartnerRequestFactory(assignee=staff, due_on=D - dt.timedelta(days=2))
    later = MilestoneFactory(assignee=staff, due_on=D + dt.timedelta(days=7))

    # Day D: the rows are planned, but the mail server is down all day; then everything is down.
    smtp_server.stop()
    with time_machine.travel(at(D), tick=False):
        reminders.sweep()
    assert Reminder.objects.filter(status=ReminderStatus.PENDING).count() == 4
    smtp_server.start()

    # A day later the stack comes back: one sweep sends what is due, oldest first.
    with time_machine.travel(at(D + dt.timedelta(days=1), 10), tick=False):
        result = reminders.sweep()
        assert reminders.sweep()["sent"] == 0
    sent = Reminder.objects.filter(status=ReminderStatus.SENT)
    assert result["sent"] == sent.count()
    assert sorted(ids_in(smtp_server.messages)) == sorted(sent.values_list("pk", flat=True))
    # Yesterday's rows went out late and say so; today's occurrences were added and sent.
    assert set(sent.filter(is_late=True).values_list("occurrence", flat=True)) == {
        f"{late_one.due_on}:before:1",
        f"{task.due_on}:before:1",
        f"{request.due_on}:overdue:2",
        f"{later.due_on}:before:7",
    }
    assert set(sent.filter(is_late=False).values_list("occurrence", flat=True)) == {
        f"{late_one.due_on}:before:0",
        f"{task.due_on}:before:0",
        f"{request.due_on}:overdue:3",
        f"{request.due_on}:escalate:3",
    }
    assert sent.get(occurrence=f"{request.due_on}:escalate:3").recipient == manager
    staff_digest = next(m for m in smtp_server.messages if m["To"] == staff.email)
    assert "补发" in staff_digest.get_body(("plain",)).get_content()


# Cancelling --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_completing_cancels_pending_reminders_and_nothing_is_sent(smtp_server, settings, staff):
    settings.REMINDER_SEND_HOUR = 18
    milestone = MilestoneFactory(assignee=staff, due_on=D + dt.timedelta(days=1))
    task = TaskFactory(assignee=staff, due_on=D + dt.timedelta(days=1))
    with time_machine.travel(at(D, 9), tick=False):
        reminders.sweep()  # planned for 18:00, not yet sent
        assert Reminder.objects.filter(status=ReminderStatus.PENDING).count() == 2
        services.milestone_complete(milestone=milestone, user=staff)
        services.task_complete(task=task, user=staff)
    assert Reminder.objects.filter(status=ReminderStatus.CANCELLED).count() == 2
    with time_machine.travel(at(D, 19), tick=False):
        assert reminders.sweep()["sent"] == 0
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_moving_the_due_date_cancels_the_old_reminder_and_plans_the_new_one(smtp_server, settings, staff):
    settings.REMINDER_SEND_HOUR = 18
    milestone = MilestoneFactory(assignee=staff, due_on=D + dt.timedelta(days=1))
    with time_machine.travel(at(D, 9), tick=False):
        reminders.sweep()
        milestone.due_on = D + dt.timedelta(days=7)
        milestone.save()
        reminders.sweep()
    old = Reminder.objects.get(occurrence=f"{D + dt.timedelta(days=1)}:before:1")
    new = Reminder.objects.get(occurrence=f"{D + dt.timedelta(days=7)}:before:7")
    assert old.status == ReminderStatus.CANCELLED
    assert new.status == ReminderStatus.PENDING
    with time_machine.travel(at(D, 19), tick=False):
        assert reminders.sweep()["sent"] == 1
    assert ids_in(smtp_server.messages) == [new.pk]


@pytest.mark.django_db
def test_an_item_done_between_planning_and_sending_is_not_sent(smtp_server, staff):
    milestone = MilestoneFactory(assignee=staff, due_on=D + dt.timedelta(days=1))
    with time_machine.travel(at(D), tick=False):
        reminders.plan(D, at(D), reminders.SweepResult())
        # Written by a path that does not cancel reminders itself (a bulk import, say).
        Milestone.objects.filter(pk=milestone.pk).update(done_on=D)
        result = reminders.SweepResult()
        reminders.send_due(at(D), result)
    assert result.sent == 0 and result.cancelled == 1
    assert Reminder.objects.get().status == ReminderStatus.CANCELLED
    assert smtp_server.messages == []


# Who and what --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_recipient_without_an_email_address_is_recorded_as_skipped(smtp_server):
    no_mail = UserFactory(email="")
    MilestoneFactory(assignee=no_mail, due_on=D + dt.timedelta(days=1))
    with time_machine.travel(at(D), tick=False):
        result = reminders.sweep()
    row = Reminder.objects.get()
    assert (row.status, result["skipped"], result["sent"]) == (ReminderStatus.SKIPPED, 1, 0)
    assert "no email address" in row.last_error
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_a_milestone_without_assignee_reminds_the_project_owner(smtp_server, staff):
    MilestoneFactory(assignee=None, project=ProjectFactory(owner=staff), due_on=D + dt.timedelta(days=7))
    with time_machine.travel(at(D), tick=False):
        reminders.sweep()
    assert [m["To"] for m in smtp_server.messages] == [staff.email]


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


@pytest.mark.django_db
def test_the_send_reminders_command_sends_and_its_dry_run_changes_nothing(smtp_server, staff):
    from io import StringIO

    from django.core.management import call_command

    MilestoneFactory(assignee=staff, due_on=D + dt.timedelta(days=1), title="投产仪式")
    out = StringIO()
    with time_machine.travel(at(D), tick=False):
        call_command("send_reminders", "--dry-run", stdout=out)
        assert "投产仪式" in out.getvalue()
        assert Reminder.objects.count() == 0
        assert smtp_server.messages == []
        call_command("send_reminders", stdout=StringIO())
    assert len(smtp_server.messages) == 1
    assert Reminder.objects.get().status == ReminderStatus.SENT


@pytest.mark.django_db
def test_the_first_sweep_of_a_day_plans_everything_and_later_ones_only_what_changed(smtp_server, staff):
    from crm.models import ReminderSweep

    MilestoneFactory(assignee=staff, due_on=D + dt.timedelta(days=7))
    with time_machine.travel(at(D, 9), tick=False):
        assert reminders.sweep()["sent"] == 1
    with time_machine.travel(at(D, 10), tick=False):
        added = MilestoneFactory(assignee=staff, due_on=D + dt.timedelta(days=1), title="新增节点")
    with time_machine.travel(at(D, 10, 1), tick=False):
        assert reminders.sweep()["sent"] == 1
    with time_machine.travel(at(D + dt.timedelta(days=1), 9), tick=False):
        reminders.sweep()
    assert list(ReminderSweep.objects.order_by("started_at").values_list("planned", flat=True)) == [
        "full",
        "incremental",
        "full",
    ]
    # The next day moved the new milestone to its 0-day reminder.
    assert Reminder.objects.filter(object_id=added.pk, status=ReminderStatus.SENT).count() == 2


@pytest.mark.django_db
def test_an_incremental_sweep_reads_only_items_changed_since_the_last_one(staff, django_assert_max_num_queries):
    with time_machine.travel(at(D, 8), tick=False):
        for _ in range(30):
            MilestoneFactory(assignee=staff, due_on=D + dt.timedelta(days=30))
    with time_machine.travel(at(D, 9), tick=False):
        reminders.sweep()
    with time_machine.travel(at(D, 9, 30), tick=False):
        with django_assert_max_num_queries(25) as captured:
            reminders.sweep()
    milestone_reads = [q["sql"] for q in captured.captured_queries if 'FROM "crm_milestone"' in q["sql"]]
    assert milestone_reads and all('"updated_at" >=' in sql for sql in milestone_reads[:1])


@pytest.mark.django_db
def test_a_long_overdue_item_seen_for_the_first_time_is_reminded_on_time_not_late(smtp_server, staff, manager):
    """Its weekly occurrence fell days ago, but nothing was waiting: the email must not say 补发."""
    MilestoneFactory(assignee=staff, due_on=D - dt.timedelta(days=20))  # overdue:14, escalate:17
    with time_machine.travel(at(D), tick=False):
        assert reminders.sweep()["sent"] == 2
    assert not Reminder.objects.filter(is_late=True).exists()
    assert set(Reminder.objects.values_list("scheduled_for", flat=True)) == {at(D, 8)}
    assert all("补发" not in m.get_body(("plain",)).get_content() for m in smtp_server.messages)

"""Which reminders a sweep plans, cancels and moves, and for whom. Real database, real SMTP server (aiosmtpd)."""

import datetime as dt

import pytest
import time_machine

from crm import reminders, services
from crm.models import Milestone, Reminder, ReminderStatus
from tests.factories import MilestoneFactory, ProjectFactory, TaskFactory, UserFactory
from tests.reminders.helpers import D, at, ids_in


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

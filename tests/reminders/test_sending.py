"""Reminder emails: never lost, never sent twice, through a real worker and a real SMTP server (aiosmtpd)."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connections, transaction

from crm import reminders, services
from crm.models import Milestone, Reminder, ReminderStatus
from crm.reminders import sending
from tests.factories import MilestoneFactory, PartnerRequestFactory, ProjectFactory, TaskFactory, UserFactory
from tests.reminders.helpers import D, at, ids_in, wait_until


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

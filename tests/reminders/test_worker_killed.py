"""kill -9 of a real Celery worker in the middle of sending: the reminder is not lost."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import close_old_connections

from crm import reminders, services
from crm.models import Reminder, ReminderStatus
from tests.factories import MilestoneFactory, UserFactory
from tests.reminders.helpers import database_url

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition, timeout=60.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        close_old_connections()
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} not reached within {timeout} s")


@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_sending_loses_nothing_and_the_reminder_goes_once(smtp_server, redis_url, tmp_path):
    from crm.tasks import sweep_reminders

    staff = UserFactory(email="zhou@bureau.example.cn", role="editor")
    MilestoneFactory(assignee=staff, due_on=services.today() + dt.timedelta(days=1), title="达产验收")
    smtp_server.handler.stall_seconds = 60  # the worker will hang in DATA until we kill it

    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}",
        "EMAIL_TIMEOUT": "120",
        "REMINDER_SEND_HOUR": "0",
        "VAR_DIR": str(tmp_path),
    }
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "kill-test", "--concurrency", "1",
         "--loglevel", "INFO", "--hostname", f"kill-test-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        sweep_reminders.apply_async(queue="kill-test")
        wait_for(smtp_server.handler.data_started.is_set, what="the worker sending DATA")
        row = Reminder.objects.get()
        assert row.status == ReminderStatus.SENDING and row.attempts == 1
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL

    # Nothing was accepted by the mail server; the row is still held by the dead worker's lease.
    assert smtp_server.messages == []
    [attempted] = smtp_server.handler.stalled
    row.refresh_from_db()
    assert row.status == ReminderStatus.SENDING

    smtp_server.handler.stall_seconds = 0
    assert reminders.sweep()["sent"] == 0  # the lease has not run out yet
    after_lease = row.claimed_until + dt.timedelta(seconds=1)
    with time_machine.travel(after_lease, tick=False):
        assert reminders.sweep()["sent"] == 1
        assert reminders.sweep()["sent"] == 0
    row.refresh_from_db()
    assert (row.status, row.attempts) == (ReminderStatus.SENT, 2)
    [delivered] = smtp_server.messages
    # The same reminder travels under the same Message-ID, so a mail system can drop a duplicate.
    assert delivered["Message-ID"] == attempted["Message-ID"]
    assert "达产验收" in delivered.get_body(("plain",)).get_content()
    assert settings.REMINDER_LEASE_SECONDS > settings.EMAIL_TIMEOUT

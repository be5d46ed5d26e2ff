"""``/api/v1/reminders/``: managers see every reminder, everyone else only their own."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm import reminders
from crm.models import Reminder, ReminderStatus
from tests.conftest import client_for
from tests.factories import MilestoneFactory, UserFactory
from tests.reminders.helpers import D, at


@pytest.fixture
def planned(db, editor, manager):
    colleague = UserFactory(email="colleague@bureau.example.cn", role="editor")
    MilestoneFactory(assignee=editor, due_on=D + dt.timedelta(days=1))
    MilestoneFactory(assignee=colleague, due_on=D + dt.timedelta(days=7))
    with time_machine.travel(at(D, 6), tick=False):  # before the send hour: planned, not sent
        reminders.plan(D, at(D, 6), reminders.SweepResult())
    return colleague


@pytest.mark.django_db
def test_a_manager_sees_every_reminder(planned, api):
    response = api.get("/api/v1/reminders/")
    assert response.status_code == 200
    assert response.json()["count"] == 2


@pytest.mark.django_db
def test_an_editor_sees_only_their_own_reminders(planned, editor, editor_api):
    body = editor_api.get("/api/v1/reminders/").json()
    assert body["count"] == 1
    assert body["results"][0]["recipient"] == editor.pk
    other = Reminder.objects.get(recipient=planned)
    assert editor_api.get(f"/api/v1/reminders/{other.pk}/").status_code == 404


@pytest.mark.django_db
def test_reminders_are_read_only(planned, api):
    row = Reminder.objects.first()
    assert api.post("/api/v1/reminders/", {}, format="json").status_code == 405
    assert api.patch(f"/api/v1/reminders/{row.pk}/", {"status": "sent"}, format="json").status_code == 405
    assert api.delete(f"/api/v1/reminders/{row.pk}/").status_code == 405


@pytest.mark.django_db
def test_reminders_filter_by_status_and_refuse_unknown_ones(planned, api):
    assert api.get("/api/v1/reminders/?status=pending").json()["count"] == 2
    assert api.get("/api/v1/reminders/?status=sent").json()["count"] == 0
    response = api.get("/api/v1/reminders/?status=bogus")
    assert response.status_code == 400
    assert "status" in response.json()


@pytest.mark.django_db
def test_the_health_summary_tells_the_last_sweep_and_what_waits(planned, api, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(at(D, 9), tick=False):
        reminders.sweep()
    Reminder.objects.filter(status=ReminderStatus.SENT).update(status=ReminderStatus.FAILED)
    MilestoneFactory(assignee=planned, due_on=D + dt.timedelta(days=1))
    with time_machine.travel(at(D, 9, 1), tick=False):
        reminders.plan(D, at(D, 9, 1), reminders.SweepResult())
    health = api.get("/api/v1/reminders/health/").json()
    assert health["last_sweep_at"].startswith("2025-03-10T09:00:00")
    assert health["failed"] == 2
    assert health["pending"] == 1
    assert health["oldest_pending_scheduled_for"].startswith("2025-03-10T08:00:00")


@pytest.mark.django_db
def test_anonymous_and_roleless_users_are_refused(planned, anon_api, nobody):
    assert anon_api.get("/api/v1/reminders/").status_code == 401
    assert client_for(nobody).get("/api/v1/reminders/").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [10, 50])
def test_the_reminder_list_costs_the_same_few_queries_at_any_size(db, manager, rows):
    users = [UserFactory(email=f"u{i}@bureau.example.cn") for i in range(rows)]
    for user in users:
        MilestoneFactory(assignee=user, due_on=D + dt.timedelta(days=1))
    reminders.plan(D, at(D, 6), reminders.SweepResult())
    api = client_for(manager)
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/v1/reminders/?page_size=200")
    assert response.json()["count"] == rows
    # token + roles; the page with its count (window); nothing per row
    assert len(queries) == 2, [q["sql"] for q in queries]

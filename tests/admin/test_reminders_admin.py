"""Reminders and sweeps are read-only in the admin; failed reminders can be retried now."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from crm.models import Reminder
from tests.factories import ReminderFactory, ReminderSweepFactory

pytestmark = pytest.mark.django_db


def test_reminders_are_listed_and_shown_but_never_added_changed_or_deleted(manager_client):
    reminder = ReminderFactory(status="failed", attempts=6, last_error="SMTPRecipientsRefused: 550")
    listing = manager_client.get(reverse("admin:crm_reminder_changelist"), {"status__exact": "failed"})
    assert reminder in listing.context["cl"].result_list
    assert "SMTPRecipientsRefused" in listing.content.decode()
    change = reverse("admin:crm_reminder_change", args=[reminder.pk])
    assert manager_client.get(change).context["has_change_permission"] is False
    assert manager_client.post(change, {"title": "x"}).status_code == 403
    assert manager_client.get(reverse("admin:crm_reminder_delete", args=[reminder.pk])).status_code == 403


def test_retry_now_puts_failed_reminders_back_in_the_queue(manager_client):
    failed = ReminderFactory(status="failed", attempts=6, last_error="boom")
    sent = ReminderFactory(status="sent", attempts=1)
    response = manager_client.post(
        reverse("admin:crm_reminder_changelist"), {"action": "retry_now", ACTION_CHECKBOX_NAME: [failed.pk, sent.pk]}
    )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == ("pending", 0, "boom")
    assert Reminder.objects.get(pk=sent.pk).status == "sent"


def test_viewers_cannot_retry(viewer_client):
    failed = ReminderFactory(status="failed")
    viewer_client.post(
        reverse("admin:crm_reminder_changelist"), {"action": "retry_now", ACTION_CHECKBOX_NAME: [failed.pk]}
    )
    assert Reminder.objects.get(pk=failed.pk).status == "failed"


def test_sweeps_are_listed(manager_client):
    sweep = ReminderSweepFactory(error="SMTPServerDisconnected")
    assert sweep in manager_client.get(reverse("admin:crm_remindersweep_changelist")).context["cl"].result_list

"""Reminders and sweeps are read-only in the admin; failed reminders can be retried now."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from crm.models import Reminder
from tests.factories import (
    AgreementFactory,
    MilestoneFactory,
    ProjectFactory,
    ReminderFactory,
    ReminderSweepFactory,
    TaskFactory,
    UserFactory,
)

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


def test_retry_now_puts_failed_reminders_back_in_the_queue(editor_client, admin_editor):
    failed = ReminderFactory(status="failed", attempts=6, last_error="boom", recipient=admin_editor)
    sent = ReminderFactory(status="sent", attempts=1, recipient=admin_editor)
    response = editor_client.post(
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


def test_a_viewer_lists_only_their_own_reminders(viewer_client, admin_viewer):
    mine = ReminderFactory(recipient=admin_viewer, title="回访赛桥生物")
    theirs = ReminderFactory(recipient=UserFactory(), title="别人的事项")
    listing = viewer_client.get(reverse("admin:crm_reminder_changelist"))
    assert list(listing.context["cl"].result_list) == [mine]
    assert "别人的事项" not in listing.content.decode()
    assert viewer_client.get(reverse("admin:crm_reminder_change", args=[theirs.pk])).status_code in (302, 404)


def test_a_viewer_lists_no_reminder_about_a_confidential_projects_milestone_or_agreement_task(
    viewer_client, admin_viewer
):
    """Assigned to them before the project became confidential, or kept after they left its team."""
    project = ProjectFactory(name="绝密项目X", code_name="星河", is_confidential=True)
    milestone = MilestoneFactory(project=project, title="绝密节点", assignee=admin_viewer)
    task = TaskFactory(agreement=AgreementFactory(project=project), title="绝密事项", assignee=admin_viewer)
    ReminderFactory(recipient=admin_viewer, subject="milestone", object_id=milestone.pk, title="绝密项目X：绝密节点")
    hidden = ReminderFactory(recipient=admin_viewer, subject="task", object_id=task.pk, title="绝密事项")
    ordinary = ReminderFactory(recipient=admin_viewer, subject="task", object_id=TaskFactory().pk, title="普通事项")

    listing = viewer_client.get(reverse("admin:crm_reminder_changelist"))
    assert list(listing.context["cl"].result_list) == [ordinary]
    assert "绝密" not in listing.content.decode()
    assert viewer_client.get(reverse("admin:crm_reminder_change", args=[hidden.pk])).status_code in (302, 404)
    assert viewer_client.get(reverse("admin:crm_reminder_changelist"), {"q": "绝密"}).context["cl"].result_count == 0

"""Writes with side effects go through crm/services.py from the admin too: forms and actions."""

import datetime as dt

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from crm.models import Agreement, Milestone, Project, ProjectStageChange, Reminder, Task
from tests.admin.conftest import form_data
from tests.factories import AgreementFactory, MilestoneFactory, ProjectFactory, ReminderFactory, TaskFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 18)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2025, 6, 18, 10, 0, tzinfo=dt.UTC), tick=True):
        yield


def change_url(obj):
    return reverse(f"admin:crm_{obj._meta.model_name}_change", args=[obj.pk])


def changelist(model):
    return reverse(f"admin:crm_{model._meta.model_name}_changelist")


def test_a_project_added_in_the_admin_records_its_first_stage_and_its_milestones(editor_client, admin_editor):
    page = editor_client.get(reverse("admin:crm_project_add"))
    data = form_data(
        page,
        name="合成生物产业园",
        kind="industrial",
        stage="negotiating",
        total_investment="2000000000",
        **{
            "milestones-TOTAL_FORMS": "2",
            "milestones-0-title": "签约",
            "milestones-0-kind": "signing",
            "milestones-0-due_on": "2025-07-01",
            "milestones-1-title": "开工",
            "milestones-1-kind": "construction_start",
            "milestones-1-due_on": "2025-10-01",
        },
    )
    response = editor_client.post(reverse("admin:crm_project_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    project = Project.objects.get(name="合成生物产业园")
    assert list(project.milestones.order_by("due_on").values_list("title", flat=True)) == ["签约", "开工"]
    change = ProjectStageChange.objects.get(project=project)
    assert (change.from_stage, change.to_stage, change.changed_by, change.changed_on) == (
        "",
        "negotiating",
        admin_editor,
        TODAY,
    )
    assert project.history.first().history_user == admin_editor


def test_moving_the_stage_in_the_form_goes_through_the_service_with_the_reason(editor_client, admin_editor):
    project = ProjectFactory(stage="negotiating")
    page = editor_client.get(change_url(project))
    response = editor_client.post(change_url(project), form_data(page, stage="signed", stage_reason="签署投资协议"))
    assert response.status_code == 302
    change = ProjectStageChange.objects.get(project=project)
    assert (change.from_stage, change.to_stage, change.reason, change.changed_by) == (
        "negotiating",
        "signed",
        "签署投资协议",
        admin_editor,
    )
    project.refresh_from_db()
    assert (project.stage, project.stage_changed_on) == ("signed", TODAY)


def test_a_forward_move_in_the_form_may_leave_the_reason_out_as_the_api_does(editor_client):
    project = ProjectFactory(stage="negotiating")
    response = editor_client.post(
        change_url(project), form_data(editor_client.get(change_url(project)), stage="signed")
    )
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).stage == "signed"
    assert ProjectStageChange.objects.filter(project=project, to_stage="signed", reason="").exists()


def test_a_correction_in_the_form_needs_a_reason_even_from_a_manager(manager_client):
    project = ProjectFactory(stage="construction")
    response = manager_client.post(
        change_url(project), form_data(manager_client.get(change_url(project)), stage="signed")
    )
    assert response.status_code == 200
    assert "stage_reason" in response.context["adminform"].form.errors
    assert Project.objects.get(pk=project.pk).stage == "construction"


def test_an_editor_cannot_move_a_stage_backward_and_sees_why(editor_client):
    project = ProjectFactory(stage="construction")
    page = editor_client.get(change_url(project))
    response = editor_client.post(change_url(project), form_data(page, stage="signed", stage_reason="录入错误"))
    assert response.status_code == 200
    assert "只有管理员可以将项目阶段回退" in str(response.context["adminform"].form.errors["stage"])
    assert Project.objects.get(pk=project.pk).stage == "construction"


def test_a_manager_moves_a_stage_backward_as_a_correction(manager_client):
    project = ProjectFactory(stage="construction")
    page = manager_client.get(change_url(project))
    response = manager_client.post(change_url(project), form_data(page, stage="signed", stage_reason="录入错误"))
    assert response.status_code == 302
    assert ProjectStageChange.objects.get(project=project).is_correction


def test_the_stage_action_asks_for_the_stage_and_the_reason_then_moves_every_project(editor_client, admin_editor):
    first, second = ProjectFactory(stage="lead"), ProjectFactory(stage="negotiating")
    behind = ProjectFactory(stage="production")
    selected = {"action": "change_stage", ACTION_CHECKBOX_NAME: [first.pk, second.pk, behind.pk]}

    form_page = editor_client.post(changelist(Project), selected)
    assert form_page.status_code == 200
    assert "admin/crm/project/change_stage.html" in [t.name for t in form_page.templates]

    done = editor_client.post(
        changelist(Project), {**selected, "apply": "1", "to_stage": "signed", "reason": "集中签约"}
    )
    assert done.status_code == 302
    assert set(Project.objects.filter(stage="signed").values_list("pk", flat=True)) == {first.pk, second.pk}
    assert Project.objects.get(pk=behind.pk).stage == "production"  # backward: managers only
    assert set(ProjectStageChange.objects.values_list("reason", "changed_by")) == {("集中签约", admin_editor.pk)}


def test_the_stage_action_refuses_a_correction_without_a_reason_and_names_the_project(manager_client):
    project = ProjectFactory(stage="construction", name="回退项目")
    response = manager_client.post(
        changelist(Project),
        {"action": "change_stage", ACTION_CHECKBOX_NAME: [project.pk], "apply": "1", "to_stage": "signed"},
        follow=True,
    )
    assert "回退项目" in response.content.decode() and "须填写原因" in response.content.decode()
    assert Project.objects.get(pk=project.pk).stage == "construction"


def test_the_stage_action_moves_forward_without_a_reason(editor_client):
    project = ProjectFactory(stage="lead")
    editor_client.post(
        changelist(Project),
        {"action": "change_stage", ACTION_CHECKBOX_NAME: [project.pk], "apply": "1", "to_stage": "signed"},
    )
    assert Project.objects.get(pk=project.pk).stage == "signed"


def test_viewers_have_no_stage_action(viewer_client):
    project = ProjectFactory(stage="lead")
    response = viewer_client.post(changelist(Project), {"action": "change_stage", ACTION_CHECKBOX_NAME: [project.pk]})
    assert Project.objects.get(pk=project.pk).stage == "lead"
    assert response.status_code in (200, 302)
    assert not ProjectStageChange.objects.exists()


def test_completing_milestones_by_action_cancels_their_reminders(editor_client, admin_editor):
    milestone = MilestoneFactory(due_on=TODAY)
    reminder = ReminderFactory(subject="milestone", object_id=milestone.pk, due_on=TODAY)
    response = editor_client.post(changelist(Milestone), {"action": "complete", ACTION_CHECKBOX_NAME: [milestone.pk]})
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.done_on == TODAY
    assert milestone.history.first().history_user == admin_editor
    assert Reminder.objects.get(pk=reminder.pk).status == "cancelled"


def test_reopening_milestones_by_action_clears_their_date(editor_client):
    milestone = MilestoneFactory(done_on=TODAY)
    editor_client.post(changelist(Milestone), {"action": "reopen", ACTION_CHECKBOX_NAME: [milestone.pk]})
    assert Milestone.objects.get(pk=milestone.pk).done_on is None


def test_completing_a_milestone_in_its_form_goes_through_the_service(editor_client):
    milestone = MilestoneFactory(due_on=TODAY)
    reminder = ReminderFactory(subject="milestone", object_id=milestone.pk, due_on=TODAY)
    page = editor_client.get(change_url(milestone))
    response = editor_client.post(change_url(milestone), form_data(page, done_on="2025-06-17"))
    assert response.status_code == 302
    assert Milestone.objects.get(pk=milestone.pk).done_on == dt.date(2025, 6, 17)
    assert Reminder.objects.get(pk=reminder.pk).status == "cancelled"


def test_a_milestone_cannot_be_done_in_the_future(editor_client):
    milestone = MilestoneFactory()
    page = editor_client.get(change_url(milestone))
    response = editor_client.post(change_url(milestone), form_data(page, done_on="2025-06-19"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["done_on"]


def test_completing_tasks_by_action_sets_the_time_they_were_done(editor_client):
    task = TaskFactory()
    editor_client.post(changelist(Task), {"action": "complete", ACTION_CHECKBOX_NAME: [task.pk]})
    task.refresh_from_db()
    assert task.status == "done"
    assert task.done_at is not None
    editor_client.post(changelist(Task), {"action": "reopen", ACTION_CHECKBOX_NAME: [task.pk]})
    task.refresh_from_db()
    assert (task.status, task.done_at) == ("open", None)


def test_a_task_marked_done_in_its_form_goes_through_the_service(editor_client):
    task = TaskFactory()
    response = editor_client.post(change_url(task), form_data(editor_client.get(change_url(task)), status="done"))
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == "done" and task.done_at is not None


def test_signing_an_agreement_in_its_form_moves_its_project_to_signed(editor_client):
    project = ProjectFactory(stage="negotiating")
    agreement = AgreementFactory(project=project, status="draft")
    page = editor_client.get(change_url(agreement))
    response = editor_client.post(change_url(agreement), form_data(page, status="signed", signed_on="2025-06-18"))
    assert response.status_code == 302
    assert Agreement.objects.get(pk=agreement.pk).status == "signed"
    assert Project.objects.get(pk=project.pk).stage == "signed"


def test_the_sign_action_signs_drafts_only(editor_client):
    draft = AgreementFactory(status="draft")
    in_force = AgreementFactory(status="in_force", signed_on=dt.date(2025, 1, 2))
    editor_client.post(changelist(Agreement), {"action": "sign", ACTION_CHECKBOX_NAME: [draft.pk, in_force.pk]})
    assert Agreement.objects.get(pk=draft.pk).status == "signed"
    assert Agreement.objects.get(pk=draft.pk).signed_on == TODAY
    assert Agreement.objects.get(pk=in_force.pk).status == "in_force"

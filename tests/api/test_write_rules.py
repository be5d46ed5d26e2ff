"""The rules of writes that issue 17 put in the services, as the API answers them."""

import datetime as dt

import pytest

from crm.models import Milestone, PartnerRequest, Task
from crm.services import today
from tests.api.base import API, act, if_match
from tests.conftest import client_for
from tests.factories import (
    AgreementFactory,
    MilestoneFactory,
    PartnerRequestFactory,
    ProjectFactory,
    TaskFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(db):
    return UserFactory(role="editor")


@pytest.fixture
def secret(owner):
    return ProjectFactory(name="保密电池项目", code_name="X项目", is_confidential=True, owner=owner)


# Assignment within the need-to-know -------------------------------------------------------------


def test_a_milestone_of_a_confidential_project_cannot_be_assigned_to_an_outsider(owner, secret, editor):
    body = {"project": secret.pk, "title": "土地摘牌", "due_on": "2025-03-01", "assignee": editor.pk}
    response = client_for(owner).post(f"{API}milestones/", body, format="json")
    assert response.status_code == 400, response.content
    assert "assignee" in response.json()
    assert not Milestone.objects.filter(project=secret).exists()


def test_a_milestone_of_a_confidential_project_goes_to_someone_who_may_see_it(owner, secret, manager):
    member = UserFactory(role="editor")
    secret.team.add(member)
    for assignee in (owner, member, manager):
        body = {"project": secret.pk, "title": "土地摘牌", "due_on": "2025-03-01", "assignee": assignee.pk}
        assert client_for(owner).post(f"{API}milestones/", body, format="json").status_code == 201


def test_reassigning_a_milestone_to_an_outsider_is_refused(owner, secret, editor):
    milestone = MilestoneFactory(project=secret, assignee=owner)
    response = client_for(owner).patch(f"{API}milestones/{milestone.pk}/", {"assignee": editor.pk}, **if_match(1))
    assert response.status_code == 400, response.content
    assert "assignee" in response.json()
    milestone.refresh_from_db()
    assert milestone.assignee == owner


def test_a_task_tied_to_a_confidential_project_through_its_agreement_is_not_assigned_to_outsiders(
    owner, secret, editor
):
    agreement = AgreementFactory(project=secret)
    body = {"title": "准备签约材料", "agreement": agreement.pk, "assignee": editor.pk}
    response = client_for(owner).post(f"{API}tasks/", body, format="json")
    assert response.status_code == 400, response.content
    assert "assignee" in response.json()
    assert not Task.objects.filter(agreement=agreement).exists()


def test_a_task_moved_onto_a_confidential_project_keeps_the_rule(owner, secret, editor):
    task = TaskFactory(assignee=editor)
    response = client_for(owner).patch(f"{API}tasks/{task.pk}/", {"project": secret.pk}, **if_match(1))
    assert response.status_code == 400, response.content
    assert "assignee" in response.json()


# Completing and resolving with a date and a text -------------------------------------------------


def test_a_milestone_is_completed_on_the_day_given(editor_api):
    milestone = MilestoneFactory(due_on=dt.date(2024, 11, 1))
    response = act(editor_api, f"{API}milestones/{milestone.pk}/complete/", {"done_on": "2024-10-30"})
    assert response.status_code == 200, response.content
    assert response.json()["done_on"] == "2024-10-30"


def test_a_milestone_is_not_completed_in_the_future(editor_api):
    milestone = MilestoneFactory()
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    response = act(editor_api, f"{API}milestones/{milestone.pk}/complete/", {"done_on": tomorrow})
    assert response.status_code == 400, response.content
    assert "done_on" in response.json()
    milestone.refresh_from_db()
    assert milestone.done_on is None


def test_a_request_is_resolved_with_its_resolution_and_date(editor_api):
    request = PartnerRequestFactory(raised_on=dt.date(2024, 10, 22))
    body = {"resolution": "已协调用地指标", "resolved_on": "2024-11-05"}
    response = act(editor_api, f"{API}requests/{request.pk}/resolve/", body)
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["resolved_on"]) == ("resolved", "2024-11-05")
    assert response.json()["resolution"] == "已协调用地指标"


def test_a_request_is_not_resolved_without_a_resolution(editor_api):
    request = PartnerRequestFactory()
    response = act(editor_api, f"{API}requests/{request.pk}/resolve/", {"resolution": "  "})
    assert response.status_code == 400, response.content
    assert "resolution" in response.json()
    patched = editor_api.patch(f"{API}requests/{request.pk}/", {"status": "declined"}, **if_match(1))
    assert patched.status_code == 400, patched.content
    assert "resolution" in patched.json()
    assert PartnerRequest.objects.get(pk=request.pk).status == "open"


def test_a_request_is_declined_with_its_reason(editor_api):
    request = PartnerRequestFactory()
    response = act(editor_api, f"{API}requests/{request.pk}/decline/", {"resolution": "不符合产业政策"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "declined"
    assert response.json()["resolved_on"] == today().isoformat()


# Preconditions on every action ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, action",
    [
        (lambda: AgreementFactory(project=ProjectFactory(stage="negotiating")), "agreements/{id}/sign/"),
        (lambda: MilestoneFactory(), "milestones/{id}/complete/"),
        (lambda: MilestoneFactory(done_on=dt.date(2024, 10, 1)), "milestones/{id}/reopen/"),
        (lambda: TaskFactory(), "tasks/{id}/complete/"),
        (lambda: TaskFactory(status="done", done_at=dt.datetime(2024, 10, 30, tzinfo=dt.UTC)), "tasks/{id}/reopen/"),
        (lambda: PartnerRequestFactory(), "requests/{id}/resolve/"),
    ],
)
def test_an_action_without_if_match_answers_428_and_a_stale_one_412(editor_api, make, action):
    record = make()
    url = API + action.format(id=record.pk)
    body = {"resolution": "已办结"}
    assert editor_api.post(url, body, format="json").status_code == 428
    assert editor_api.post(url, body, format="json", **if_match(record.version + 1)).status_code == 412
    record.refresh_from_db()
    assert record.version == 1
    assert editor_api.post(url, body, format="json", **if_match(record.version)).status_code == 200

"""The services' rules at the admin's door: the same refusals as the API, shown on the form."""

import datetime as dt

import pytest
from django.urls import reverse

from crm.models import Company, Milestone, PartnerRequest, Project
from crm.services import today
from tests.admin.conftest import form_data
from tests.factories import CompanyFactory, MilestoneFactory, PartnerRequestFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def change_url(obj):
    return reverse(f"admin:crm_{obj._meta.model_name}_change", args=[obj.pk])


def errors_of(response) -> dict:
    return response.context["adminform"].form.errors


def test_an_editor_cannot_hide_a_project_in_the_admin(editor_client, admin_editor):
    project = ProjectFactory(owner=UserFactory(role="editor"))
    page = editor_client.get(change_url(project))
    response = editor_client.post(
        change_url(project), form_data(page, is_confidential="on", team=[admin_editor.pk], owner=admin_editor.pk)
    )
    assert response.status_code == 200
    assert {"is_confidential", "team", "owner"} & set(errors_of(response))
    project.refresh_from_db()
    assert (project.is_confidential, project.version) == (False, 1)


def test_a_team_editor_cannot_expose_a_confidential_project_in_the_admin(editor_client, admin_editor):
    project = ProjectFactory(is_confidential=True, owner=UserFactory(role="editor"))
    project.team.add(admin_editor)
    page = editor_client.get(change_url(project))
    data = form_data(page)
    data.pop("is_confidential", None)  # the box unticked
    response = editor_client.post(change_url(project), data)
    assert response.status_code == 200
    assert "is_confidential" in errors_of(response)
    assert Project.objects.get(pk=project.pk).is_confidential


def test_a_manager_makes_a_project_confidential_in_the_admin(manager_client):
    project = ProjectFactory()
    page = manager_client.get(change_url(project))
    response = manager_client.post(change_url(project), form_data(page, is_confidential="on"))
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).is_confidential


def test_a_milestone_row_of_a_confidential_project_is_not_assigned_to_an_outsider(manager_client, admin_manager):
    project = ProjectFactory(is_confidential=True, owner=admin_manager)
    outsider = UserFactory(role="editor")
    page = manager_client.get(change_url(project))
    data = form_data(
        page,
        **{
            "milestones-TOTAL_FORMS": "1",
            "milestones-0-title": "土地摘牌",
            "milestones-0-kind": "land",
            "milestones-0-due_on": "2025-03-01",
            "milestones-0-assignee": str(outsider.pk),
        },
    )
    response = manager_client.post(change_url(project), data)
    assert response.status_code == 200
    assert not Milestone.objects.filter(project=project).exists()
    assert "不能指派" in response.content.decode()


def test_a_milestone_page_refuses_a_completion_in_the_future(editor_client):
    milestone = MilestoneFactory()
    tomorrow = today() + dt.timedelta(days=1)
    page = editor_client.get(change_url(milestone))
    response = editor_client.post(change_url(milestone), form_data(page, done_on=tomorrow.isoformat()))
    assert response.status_code == 200
    assert "done_on" in errors_of(response)
    assert Milestone.objects.get(pk=milestone.pk).done_on is None


def test_a_request_is_not_resolved_in_the_admin_without_a_resolution(editor_client):
    request = PartnerRequestFactory()
    page = editor_client.get(change_url(request))
    response = editor_client.post(change_url(request), form_data(page, status="resolved", resolution=""))
    assert response.status_code == 200
    assert "resolution" in errors_of(response)
    assert PartnerRequest.objects.get(pk=request.pk).status == "open"


def test_deleting_in_the_admin_goes_through_the_service_and_keeps_who_deleted(manager_client, admin_manager):
    milestone = MilestoneFactory()
    response = manager_client.post(reverse("admin:crm_milestone_delete", args=[milestone.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Milestone.objects.filter(pk=milestone.pk).exists()
    assert Milestone.history.filter(id=milestone.pk, history_type="-").get().history_user == admin_manager


def test_a_company_form_refuses_a_country_name_and_a_rank_out_of_range_with_the_apis_messages(
    editor_client, editor_api
):
    company = CompanyFactory()
    page = editor_client.get(change_url(company))
    response = editor_client.post(change_url(company), form_data(page, country="中国", fortune500_rank="0"))
    assert response.status_code == 200
    errors = errors_of(response)
    api = editor_api.patch(
        f"/api/v1/companies/{company.pk}/",
        {"country": "中国", "fortune500_rank": 0},
        format="json",
        HTTP_IF_MATCH=f'"{company.version}"',
    )
    assert api.status_code == 400
    assert errors["country"] == api.json()["country"]
    assert errors["fortune500_rank"] == api.json()["fortune500_rank"]
    assert Company.objects.get(pk=company.pk).country == "CN"


def test_a_company_form_refuses_a_group_under_its_own_subsidiary(editor_client):
    group = CompanyFactory(name="华润集团")
    subsidiary = CompanyFactory(name="华润置地", parent=group)
    page = editor_client.get(change_url(group))
    response = editor_client.post(change_url(group), form_data(page, parent=subsidiary.pk))
    assert response.status_code == 200
    assert "循环" in " ".join(errors_of(response)["parent"])
    assert Company.objects.get(pk=group.pk).parent is None

"""Viewers see and cannot change, editors cannot delete, managers can; confidential projects stay hidden."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from crm.models import Company, User
from tests.admin.conftest import form_data, signed_in, staff
from tests.factories import (
    AgreementFactory,
    CapitalArrivalFactory,
    CompanyFactory,
    MilestoneFactory,
    ProjectFactory,
    ReminderFactory,
    TaskFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def url(obj, view="change"):
    return reverse(f"admin:crm_{obj._meta.model_name}_{view}", args=[obj.pk])


# Roles -----------------------------------------------------------------------------------------------------


def test_a_viewer_sees_a_company_read_only(viewer_client):
    company = CompanyFactory(name="华润集团")
    page = viewer_client.get(url(company))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert viewer_client.get(reverse("admin:crm_company_add")).status_code == 403
    assert viewer_client.post(url(company), {"name": "改名"}).status_code == 403
    assert Company.objects.get(pk=company.pk).name == "华润集团"


def test_an_editor_changes_but_cannot_delete(editor_client):
    company = CompanyFactory()
    page = editor_client.get(url(company))
    assert editor_client.post(url(company), form_data(page, city="常州")).status_code == 302
    assert editor_client.get(url(company, "delete")).status_code == 403
    response = editor_client.post(
        reverse("admin:crm_company_changelist"), {"action": "delete_selected", ACTION_CHECKBOX_NAME: [company.pk]}
    )
    assert response.status_code in (200, 302)
    assert Company.objects.filter(pk=company.pk).exists()


def test_a_manager_deletes(manager_client):
    company = CompanyFactory()
    assert manager_client.post(url(company, "delete"), {"post": "yes"}).status_code == 302
    assert not Company.objects.filter(pk=company.pk).exists()


def test_only_managers_manage_users_and_saving_a_user_follows_their_roles(manager_client, editor_client):
    user = UserFactory(username="newcomer", role="viewer")
    assert not user.is_staff
    assert editor_client.get(reverse("admin:crm_user_changelist")).status_code == 403
    page = manager_client.get(url(user))
    assert page.status_code == 200
    assert manager_client.post(url(user), form_data(page)).status_code == 302
    assert User.objects.get(pk=user.pk).is_staff
    user.groups.clear()
    assert manager_client.post(url(user), form_data(manager_client.get(url(user)))).status_code == 302
    assert not User.objects.get(pk=user.pk).is_staff


def test_a_manager_cannot_make_anyone_a_superuser_nor_change_one(manager_client):
    user = UserFactory(username="newcomer", role="editor")
    page = manager_client.get(url(user))
    manager_client.post(url(user), form_data(page, is_superuser="on"))
    assert not User.objects.get(pk=user.pk).is_superuser
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert manager_client.post(url(root), form_data(manager_client.get(url(root)), email="x@y.cn")).status_code == 403


def test_editors_find_users_in_owner_fields_by_autocomplete(editor_client):
    UserFactory(username="zhao", full_name="赵敏", role="editor")
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "crm", "model_name": "project", "field_name": "owner", "term": "赵"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["赵敏"]


def test_the_users_admin_is_not_listed_for_editors(editor_client):
    response = editor_client.get(reverse("admin:index"))
    listed = {m["object_name"] for app in response.context["app_list"] for m in app["models"]}
    assert "User" not in listed and "Project" in listed


# Confidentiality ------------------------------------------------------------------------------------------


@pytest.fixture
def secret():
    project = ProjectFactory(name="保密项目甲", is_confidential=True)
    return {
        "project": project,
        "milestone": MilestoneFactory(project=project, title="保密节点"),
        "arrival": CapitalArrivalFactory(project=project),
        "agreement": AgreementFactory(project=project, title="保密协议"),
        "task": TaskFactory(project=project, title="保密事项"),
    }


@pytest.mark.parametrize("key", ["project", "milestone", "arrival", "agreement", "task"])
def test_a_confidential_project_and_its_records_are_hidden_from_outsiders(secret, editor_client, key):
    obj = secret[key]
    changelist = editor_client.get(reverse(f"admin:crm_{obj._meta.model_name}_changelist"))
    assert obj.pk not in [row.pk for row in changelist.context["cl"].result_list]
    assert editor_client.get(url(obj)).status_code == 302  # "does not exist" redirect
    assert editor_client.get(url(obj, "history")).status_code == 404


def test_the_owner_team_and_managers_see_a_confidential_project(secret, manager_client):
    project = secret["project"]
    member = staff("editor", username="member")
    project.team.add(member)
    assert signed_in(member).get(url(project)).status_code == 200
    assert manager_client.get(url(project)).status_code == 200


def test_confidential_projects_are_not_offered_in_forms_nor_autocomplete(secret, editor_client):
    ProjectFactory(name="公开项目")
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "crm", "model_name": "milestone", "field_name": "project", "term": "项目"},
    )
    assert [r["text"] for r in response.json()["results"]] == ["公开项目"]
    page = editor_client.get(reverse("admin:crm_milestone_add"))
    assert not page.context["adminform"].form.fields["project"].queryset.filter(pk=secret["project"].pk).exists()


def test_a_confidential_project_cannot_be_chosen_by_posting_its_id(secret, editor_client):
    data = {"project": secret["project"].pk, "title": "偷偷加的节点", "kind": "other", "due_on": "2025-01-01"}
    response = editor_client.post(reverse("admin:crm_milestone_add"), data)
    assert response.status_code == 200
    assert "project" in response.context["adminform"].form.errors


def test_reminders_of_a_confidential_projects_records_are_hidden(secret, editor_client, manager_client):
    reminder = ReminderFactory(subject="milestone", object_id=secret["milestone"].pk, title="保密项目甲：保密节点")
    outsider = editor_client.get(reverse("admin:crm_reminder_changelist"))
    assert reminder not in outsider.context["cl"].result_list
    assert reminder in manager_client.get(reverse("admin:crm_reminder_changelist")).context["cl"].result_list


def test_history_cannot_be_reverted_by_posting_to_a_history_record(manager_client):
    company = CompanyFactory(name="原名")
    company.name = "新名"
    company.save()
    first = company.history.order_by("history_date").first()
    page = reverse("admin:crm_company_simple_history", args=[company.pk, first.history_id])
    assert manager_client.get(page).status_code == 200
    assert manager_client.post(page, {"name": "原名"}).status_code == 403
    assert Company.objects.get(pk=company.pk).name == "新名"


def test_a_manager_adds_a_user_with_a_role_who_may_then_enter_the_admin(manager_client):
    from django.contrib.auth.models import Group

    response = manager_client.post(
        reverse("admin:crm_user_add"),
        {
            "username": "chen",
            "full_name": "陈招商",
            "email": "chen@bureau.example.cn",
            "groups": [Group.objects.get(name="editor").pk],
            "usable_password": "true",
            "password1": "a-long-pass-phrase-2025",
            "password2": "a-long-pass-phrase-2025",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="chen")
    assert (user.full_name, user.is_staff, user.roles) == ("陈招商", True, frozenset({"editor"}))
    assert signed_in(user).get(reverse("admin:crm_project_changelist")).status_code == 200


def test_only_role_groups_are_offered_to_a_user(manager_client):
    from django.contrib.auth.models import Group

    Group.objects.create(name="something-else")
    form = manager_client.get(reverse("admin:crm_user_add")).context["adminform"].form
    assert sorted(form.fields["groups"].queryset.values_list("name", flat=True)) == ["editor", "manager", "viewer"]

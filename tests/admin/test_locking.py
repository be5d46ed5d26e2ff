"""No lost update in the admin: a form opened on an older version is refused, the newer data stays."""

import pytest
from django.urls import reverse

from crm.models import Company, Project
from tests.admin.conftest import form_data, signed_in, staff
from tests.factories import CompanyFactory, ContactFactory, MilestoneFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def _change_url(obj):
    return reverse(f"admin:crm_{obj._meta.model_name}_change", args=[obj.pk])


def test_two_sessions_edit_the_same_project_and_the_second_save_is_refused(admin_manager, admin_editor):
    project = ProjectFactory(name="新能源电池项目")
    first, second = signed_in(admin_editor), signed_in(admin_manager)
    first_form = first.get(_change_url(project))
    second_form = second.get(_change_url(project))

    saved = first.post(_change_url(project), form_data(first_form, name="新能源电池项目（一期）"))
    assert saved.status_code == 302
    refused = second.post(_change_url(project), form_data(second_form, name="新能源电池项目（二期）"))

    assert refused.status_code == 200
    errors = refused.context["adminform"].form.non_field_errors()
    assert [e for e in errors if "保存失败" in e and "李编辑" in e], errors
    project.refresh_from_db()
    assert project.name == "新能源电池项目（一期）"
    assert project.version == 2


def test_a_refused_form_keeps_refusing_until_it_is_reopened(manager_client, editor_client):
    company = CompanyFactory(name="深圳乐荟中心")
    stale = manager_client.get(_change_url(company))
    fresh = editor_client.get(_change_url(company))
    assert editor_client.post(_change_url(company), form_data(fresh, city="常州")).status_code == 302

    assert manager_client.post(_change_url(company), form_data(stale, city="深圳")).status_code == 200
    assert manager_client.post(_change_url(company), form_data(stale, city="深圳")).status_code == 200
    reopened = manager_client.get(_change_url(company))
    assert manager_client.post(_change_url(company), form_data(reopened, city="深圳")).status_code == 302
    assert Company.objects.get(pk=company.pk).city == "深圳"


def test_a_save_without_the_version_it_was_opened_on_is_refused(manager_client):
    company = CompanyFactory()
    data = form_data(manager_client.get(_change_url(company)), city="常州")
    del data["seen_version"]
    assert manager_client.post(_change_url(company), data).status_code == 200
    assert Company.objects.get(pk=company.pk).city == "深圳"


def test_an_inline_row_changed_since_the_form_was_opened_is_refused(manager_client, editor_client):
    company = CompanyFactory()
    contact = ContactFactory(company=company, title="总经理")
    stale = manager_client.get(_change_url(company))
    fresh = editor_client.get(_change_url(contact))
    assert editor_client.post(_change_url(contact), form_data(fresh, title="董事长")).status_code == 302

    index = next(
        i for i, f in enumerate(stale.context["inline_admin_formsets"][0].formset.forms) if f.instance == contact
    )
    response = manager_client.post(_change_url(company), form_data(stale, **{f"contacts-{index}-title": "副总经理"}))

    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.title == "董事长"


def test_saving_the_current_version_succeeds_and_moves_the_version_on(manager_client):
    project = ProjectFactory()
    MilestoneFactory(project=project)
    response = manager_client.post(
        _change_url(project), form_data(manager_client.get(_change_url(project)), location="武进区")
    )
    assert response.status_code == 302
    project = Project.objects.get(pk=project.pk)
    assert (project.location, project.version) == ("武进区", 2)


def test_the_version_is_a_hidden_field_of_an_editable_form_only(manager_client, viewer_client):
    project = ProjectFactory()
    editable = manager_client.get(_change_url(project)).content.decode()
    assert 'type="hidden" name="seen_version" value="1"' in editable
    view_only = viewer_client.get(_change_url(project)).content.decode()
    assert "seen_version" not in view_only


def test_staff_without_change_permission_cannot_post_a_form(viewer_client):
    project = ProjectFactory()
    assert viewer_client.post(_change_url(project), {"name": "改名"}).status_code == 403


def test_editor_without_a_role_cannot_enter_the_admin():
    nobody = staff(None)
    response = signed_in(nobody).get(reverse("admin:crm_project_changelist"))
    assert response.status_code == 403

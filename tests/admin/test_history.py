"""History in the admin: who changed what, and when, with a diff; no bookkeeping noise."""

import pytest
from django.urls import reverse

from tests.admin.conftest import form_data
from tests.factories import CompanyFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_the_history_page_shows_who_changed_which_field_from_what_to_what(editor_client):
    company = CompanyFactory(name="深圳乐荟中心", city="深圳")
    change = reverse("admin:crm_company_change", args=[company.pk])
    editor_client.post(change, form_data(editor_client.get(change), city="常州"))

    page = editor_client.get(reverse("admin:crm_company_history", args=[company.pk]))
    assert page.status_code == 200
    latest = page.context["page_obj"].object_list[0]
    assert str(latest.history_user) == "李编辑"
    assert [(c["field"], c["old"], c["new"]) for c in latest.history_delta_changes] == [("城市", "深圳", "常州")]
    html = page.content.decode()
    assert "李编辑" in html and "常州" in html


def test_a_stage_change_shows_its_reason_in_the_history(editor_client):
    project = ProjectFactory(stage="negotiating")
    change = reverse("admin:crm_project_change", args=[project.pk])
    editor_client.post(change, form_data(editor_client.get(change), stage="signed", stage_reason="签署投资协议"))
    page = editor_client.get(reverse("admin:crm_project_history", args=[project.pk]))
    assert "签署投资协议" in page.content.decode()


def test_the_history_page_has_no_revert_button(manager_client):
    company = CompanyFactory()
    page = manager_client.get(reverse("admin:crm_company_history", args=[company.pk]))
    assert page.context["revert_disabled"] is True

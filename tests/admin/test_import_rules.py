"""The import is a door like the API and the admin: the same services, rules, messages and lock.

Every file here goes through the admin's real import (preview, then confirmation), as a user
would upload it.
"""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from crm import services
from crm.models import Company, Milestone, Project, ProjectStageChange
from tests.admin.test_import_export import CODE_A, CSV, XLSX, _export_fields, confirm, frozen_today, preview, xlsx
from tests.factories import AgreementFactory, CompanyFactory, MilestoneFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

__all__ = ["frozen_today"]  # the same frozen day (2025-06-18) as the other import tests


def invalid_rows(page) -> dict[int, dict[str, str]]:
    """Each refused row's errors by field, as the preview lists them."""
    result = page.context["result"]
    assert page.context.get("confirm_form") is None, "a file with a refused row must not be confirmable"
    return {row.number: {k: " ".join(map(str, v)) for k, v in row.error_dict.items()} for row in result.invalid_rows}


def imported(client, model, rows):
    page = preview(client, model, xlsx(rows))
    result = page.context["result"]
    assert not result.has_errors() and not result.has_validation_errors(), invalid_rows(page)
    assert confirm(client, model, page).status_code == 302
    return result


def exported_rows(client, model) -> list[list]:
    response = client.post(
        reverse(f"admin:crm_{model}_export"), {"format": XLSX, "resource": "0", **_export_fields(client, model)}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [["" if cell.value is None else cell.value for cell in row] for row in sheet.iter_rows()]


# The optimistic lock ------------------------------------------------------------------------------


def test_a_morning_export_reimported_after_an_afternoon_edit_is_refused_and_the_edit_stays(
    editor_client, admin_manager
):
    project = ProjectFactory(name="乐荟中心产业园", location="金坛区", stage="negotiating", total_investment=None)
    ProjectFactory(name="另一个项目", location="武进区")
    morning = exported_rows(editor_client, "project")
    header = morning[0]
    assert "版本" in header
    # In the afternoon a colleague changes the project through the API's service.
    services.update(record=project, user=admin_manager, values={"location": "新北区"}, seen_version=project.version)
    # The morning file, with another cell changed, comes back.
    row = next(r for r in morning[1:] if r[header.index("项目名称")] == "乐荟中心产业园")
    row[header.index("总投资（元）")] = "30亿"
    page = preview(editor_client, "project", xlsx(morning))
    errors = invalid_rows(page)
    number = morning.index(row)
    assert list(errors) == [number]
    assert "版本" in errors[number]["version"] and "export it again" in errors[number]["version"]
    assert page.context["readable_errors"][0]["errors"][0][0] == "版本"
    project.refresh_from_db()
    assert (project.location, project.total_investment) == ("新北区", None)


def test_a_row_changing_an_existing_record_without_its_version_is_refused_with_the_row_named(editor_client):
    CompanyFactory(name="深创投", city="深圳")
    CompanyFactory(name="华润集团", city="深圳")
    page = preview(editor_client, "company", xlsx([["名称", "城市"], ["深创投", "深圳"], ["华润集团", "常州"]]))
    errors = invalid_rows(page)
    assert list(errors) == [2]
    assert "须带「版本」列" in errors[2]["version"] and "needs its version" in errors[2]["version"]
    assert Company.objects.get(name="华润集团").city == "深圳"


def test_an_exported_file_edited_and_reimported_with_its_versions_updates_in_the_importers_name(
    editor_client, admin_editor
):
    company = CompanyFactory(name="深创投", city="深圳", credit_code=CODE_A)
    rows = exported_rows(editor_client, "company")
    rows[1][rows[0].index("城市")] = "常州"
    imported(editor_client, "company", rows)
    company.refresh_from_db()
    assert (company.city, company.version) == ("常州", 2)
    assert company.history.first().history_user == admin_editor
    # The same file again: its version is stale now, but it changes nothing, so it is skipped.
    page = preview(editor_client, "company", xlsx(rows))
    assert page.context["result"].totals["skip"] == 1


def test_an_exported_project_file_imports_back_unchanged(editor_client):
    ProjectFactory(name="乐荟中心产业园", stage="signed", stage_changed_on=dt.date(2025, 3, 1))
    response = editor_client.post(
        reverse("admin:crm_project_export"),
        {"format": CSV, "resource": "0", **_export_fields(editor_client, "project")},
    )
    page = preview(editor_client, "project", response.content, CSV, "export.csv")
    assert page.context["result"].totals["skip"] == 1


# The rules and messages of the API -----------------------------------------------------------------


def test_a_country_name_is_refused_as_the_api_refuses_it_and_a_lower_case_code_is_written_in_capitals(
    editor_client, editor_api
):
    page = preview(editor_client, "company", xlsx([["名称", "国家/地区"], ["甲公司", "中国"], ["乙公司", "cn"]]))
    errors = invalid_rows(page)
    assert list(errors) == [1]
    api_answer = editor_api.post("/api/v1/companies/", {"name": "丙公司", "country": "中国"}, format="json")
    assert api_answer.status_code == 400
    assert errors[1]["country"] == api_answer.json()["country"][0]
    imported(editor_client, "company", [["名称", "国家/地区"], ["乙公司", "cn"]])
    assert Company.objects.get(name="乙公司").country == "CN"


@pytest.mark.parametrize("rank", [0, 501])
def test_a_fortune500_rank_out_of_range_says_so_in_both_languages_never_a_constraint_name(editor_client, rank):
    page = preview(editor_client, "company", xlsx([["名称", "世界500强排名"], ["甲公司", rank]]))
    message = invalid_rows(page)[1]["fortune500_rank"]
    assert "1 到 500" in message and "between 1 and 500" in message
    assert "constraint" not in message.lower() and "company_fortune500" not in message
    assert not Company.objects.exists()


def test_a_company_under_itself_is_refused_with_the_apis_cycle_message(editor_client, editor_api):
    group = CompanyFactory(name="华润集团")
    page = preview(
        editor_client, "company", xlsx([["名称", "所属集团", "版本"], ["华润集团", "华润集团", group.version]])
    )
    # The database's rule (a company is not its own group) speaks the API's words, for the whole row.
    message = invalid_rows(page)[1]["__all__"]
    api = editor_api.patch(
        f"/api/v1/companies/{group.pk}/", {"parent": group.pk}, format="json", HTTP_IF_MATCH=f'"{group.version}"'
    )
    assert api.status_code == 400 and api.json()["parent"] == [message]
    assert "循环" in message
    # Two levels round: the service's rule, on the field.
    subsidiary = CompanyFactory(name="华润置地", parent=group)
    page = preview(
        editor_client, "company", xlsx([["名称", "所属集团", "版本"], ["华润集团", "华润置地", group.version]])
    )
    assert invalid_rows(page)[1]["parent"] == message
    assert Company.objects.get(pk=group.pk).parent is None and subsidiary.parent == group


def test_a_nul_character_in_a_cell_is_refused_with_the_apis_message(editor_client):
    content = "名称,城市\r\n甲公司,深\x00圳\r\n".encode()
    page = preview(editor_client, "company", content, CSV, "data.csv")
    assert "NUL" in invalid_rows(page)[1]["city"]
    assert not Company.objects.exists()


def test_a_signing_in_the_future_is_refused_with_the_one_message_of_future_signings(editor_client):
    page = preview(
        editor_client, "agreement", xlsx([["协议名称", "签约日期", "状态"], ["投资协议", "2025-07-01", "已签约"]])
    )
    assert invalid_rows(page)[1]["signed_on"] == str(services.FUTURE_DATE["signed_on"])


# Field rights and need-to-know ---------------------------------------------------------------------


def test_an_editor_cannot_create_a_confidential_project_by_import(editor_client):
    page = preview(editor_client, "project", xlsx([["项目名称", "保密项目"], ["保密新项目", "是"]]))
    assert "只有管理员" in invalid_rows(page)[1]["is_confidential"]
    assert not Project.objects.exists()


def test_an_editor_cannot_expose_a_confidential_project_of_their_own_by_import(editor_client, admin_editor):
    project = ProjectFactory(name="保密项目甲", is_confidential=True, owner=admin_editor)
    page = preview(
        editor_client, "project", xlsx([["项目名称", "保密项目", "版本"], ["保密项目甲", "否", project.version]])
    )
    assert "只有管理员" in invalid_rows(page)[1]["is_confidential"]
    assert Project.objects.get(pk=project.pk).is_confidential


def test_a_manager_may_change_confidentiality_by_import(manager_client):
    project = ProjectFactory(name="公开项目", is_confidential=False)
    imported(manager_client, "project", [["项目名称", "保密项目", "版本"], ["公开项目", "是", project.version]])
    assert Project.objects.get(pk=project.pk).is_confidential


def test_a_milestone_of_a_confidential_project_is_not_assigned_by_import_to_an_outsider(editor_client, admin_editor):
    ProjectFactory(name="保密项目甲", is_confidential=True, owner=admin_editor)
    UserFactory(username="outsider")
    page = preview(
        editor_client,
        "milestone",
        xlsx([["项目", "名称", "计划日期", "经办人"], ["保密项目甲", "开工", "2025-09-01", "outsider"]]),
    )
    assert "不能指派" in invalid_rows(page)[1]["assignee"]
    assert not Milestone.objects.exists()


# Stage history -----------------------------------------------------------------------------------------


def test_a_project_entered_after_its_signing_is_created_at_that_stage_with_its_date_and_reason(editor_client):
    header = ["项目名称", "阶段", "阶段变更日期", "阶段变更原因"]
    imported(editor_client, "project", [header, ["乐荟中心产业园", "签约", "2025-03-01", "常州—深圳推介会签约"]])
    project = Project.objects.get()
    assert (project.stage, project.stage_changed_on) == ("signed", dt.date(2025, 3, 1))
    [change] = ProjectStageChange.objects.filter(project=project)
    assert (change.to_stage, change.changed_on, change.reason) == ("signed", dt.date(2025, 3, 1), "常州—深圳推介会签约")


def test_a_move_dated_before_the_latest_is_refused_naming_the_stage_date(editor_client):
    project = ProjectFactory(name="乐荟中心产业园", stage="signed", stage_changed_on=dt.date(2025, 5, 1))
    ProjectStageChange.objects.create(project=project, from_stage="", to_stage="signed", changed_on=dt.date(2025, 5, 1))
    page = preview(
        editor_client,
        "project",
        xlsx([["项目名称", "阶段", "阶段变更日期", "版本"], ["乐荟中心产业园", "开工", "2025-04-01", project.version]]),
    )
    assert "2025-05-01" in invalid_rows(page)[1]["stage_changed_on"]
    assert Project.objects.get(pk=project.pk).stage == "signed"


def test_a_managers_correction_by_import_needs_a_reason_as_in_every_door(manager_client, admin_manager):
    project = ProjectFactory(name="乐荟中心产业园", stage="construction")
    header = ["项目名称", "阶段", "阶段变更原因", "版本"]
    page = preview(manager_client, "project", xlsx([header, ["乐荟中心产业园", "签约", "", project.version]]))
    assert "须填写原因" in invalid_rows(page)[1]["stage_reason"]
    imported(manager_client, "project", [header, ["乐荟中心产业园", "签约", "开工登记有误", project.version]])
    change = ProjectStageChange.objects.get(project=project)
    assert (change.to_stage, change.reason, change.is_correction, change.changed_by) == (
        "signed",
        "开工登记有误",
        True,
        admin_manager,
    )


def test_a_signing_by_import_moves_the_project_to_signed_through_the_signing_service(editor_client):
    project = ProjectFactory(name="乐荟中心产业园", stage="negotiating")
    agreement = AgreementFactory(title="投资协议", project=project, status="draft", signed_on=dt.date(2025, 6, 1))
    imported(
        editor_client,
        "agreement",
        [["协议名称", "签约日期", "状态", "版本"], ["投资协议", "2025-06-01", "已签约", agreement.version]],
    )
    project.refresh_from_db()
    assert project.stage == "signed"
    assert ProjectStageChange.objects.get(project=project).reason == "签署协议：投资协议"


def test_a_milestone_completed_in_the_future_by_import_is_refused(editor_client):
    milestone = MilestoneFactory(title="开工", project=ProjectFactory(name="乐荟中心产业园"))
    page = preview(
        editor_client,
        "milestone",
        xlsx([["项目", "名称", "完成日期", "版本"], ["乐荟中心产业园", "开工", "2025-07-01", milestone.version]]),
    )
    assert invalid_rows(page)[1]["done_on"] == str(services.FUTURE_DATE["done_on"])

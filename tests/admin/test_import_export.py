"""Import (XLSX, CSV) with a preview of each row's errors, all or nothing; export of selected rows."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.imports.widgets import AmountWidget, DateWidget, YesNoWidget
from crm.models import Agreement, Company, Contact, Milestone, Project, ProjectStageChange
from tests.factories import CompanyFactory, ProjectFactory, UserFactory, make_credit_code

pytestmark = pytest.mark.django_db

XLSX, CSV = "0", "1"  # positions in the admin's import_formats
CODE_A, CODE_B = make_credit_code(1), make_credit_code(2)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2025, 6, 18, 10, 0, tzinfo=dt.UTC), tick=True):
        yield


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def preview(client, model: str, content: bytes, file_format=XLSX, name="data.xlsx"):
    upload = SimpleUploadedFile(name, content)
    return client.post(
        reverse(f"admin:crm_{model}_import"), {"import_file": upload, "format": file_format, "resource": "0"}
    )


def confirm(client, model: str, page):
    form = page.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse(f"admin:crm_{model}_process_import"), data)


def import_file(client, model, rows, file_format=XLSX):
    content = xlsx(rows) if file_format == XLSX else csv_bytes(rows)
    page = preview(client, model, content, file_format, "data.xlsx" if file_format == XLSX else "data.csv")
    assert page.status_code == 200
    result = page.context["result"]
    assert not result.has_errors() and not result.has_validation_errors(), [
        (row.number, row.error_dict) for row in result.invalid_rows
    ] + [(n, [str(e.error) for e in errors]) for n, errors in result.row_errors()]
    done = confirm(client, model, page)
    assert done.status_code == 302
    return page


COMPANY_HEADER = ["名称", "统一社会信用代码", "类型", "城市", "上市公司", "产业"]


# Companies ---------------------------------------------------------------------------------------


def test_a_company_file_with_one_bad_row_shows_the_error_of_that_row_and_writes_nothing(editor_client):
    bad_code = CODE_B[:17] + ("0" if CODE_B[17] != "0" else "1")
    page = preview(
        editor_client,
        "company",
        xlsx(
            [
                COMPANY_HEADER,
                ["赛桥生物科技有限公司", CODE_A, "企业", "深圳", "否", ""],
                ["瑞声科技控股有限公司", bad_code, "企业", "常州", "是", ""],
            ]
        ),
    )
    assert page.status_code == 200
    result = page.context["result"]
    assert result.has_validation_errors()
    [invalid] = result.invalid_rows
    assert invalid.number == 2
    assert "校验位不正确" in str(invalid.error_dict["credit_code"])
    assert page.context.get("confirm_form") is None
    assert page.context["readable_errors"] == [
        {"number": 2, "errors": [("统一社会信用代码", [invalid.error_dict["credit_code"][0]])]}
    ]
    assert 'id="import-errors"' in page.content.decode()
    assert not Company.objects.exists()


def test_the_fixed_company_file_imports_every_row_in_the_importing_users_name(editor_client, admin_editor):
    import_file(
        editor_client,
        "company",
        [
            COMPANY_HEADER,
            ["赛桥生物科技有限公司", CODE_A, "企业", "深圳", "否", ""],
            ["瑞声科技控股有限公司", CODE_B, "enterprise", "常州", "是", ""],
        ],
    )
    assert Company.objects.count() == 2
    company = Company.objects.get(credit_code=CODE_B)
    assert (company.name, company.is_listed, company.kind) == ("瑞声科技控股有限公司", True, "enterprise")
    assert company.history.first().history_user == admin_editor


def test_reimporting_a_company_by_credit_code_updates_it_instead_of_duplicating(editor_client):
    existing = CompanyFactory(name="赛桥生物", credit_code=CODE_A, city="深圳")
    import_file(
        editor_client,
        "company",
        [[*COMPANY_HEADER, "版本"], ["深圳赛桥生物科技有限公司", CODE_A, "企业", "常州", "否", "", existing.version]],
    )
    assert Company.objects.count() == 1
    existing.refresh_from_db()
    assert (existing.name, existing.city, existing.version) == ("深圳赛桥生物科技有限公司", "常州", 2)


def test_a_company_without_a_code_is_found_by_name_and_gets_the_code(editor_client):
    existing = CompanyFactory(name="深圳湾实验室", credit_code="")
    import_file(
        editor_client,
        "company",
        [[*COMPANY_HEADER, "版本"], ["深圳湾实验室", CODE_A, "科研院所", "深圳", "否", "", existing.version]],
    )
    existing.refresh_from_db()
    assert (Company.objects.count(), existing.credit_code, existing.kind) == (1, CODE_A, "research_institute")


def test_an_unchanged_reimport_is_skipped_and_leaves_no_history(editor_client):
    import_file(editor_client, "company", [COMPANY_HEADER, ["赛桥生物科技有限公司", CODE_A, "企业", "深圳", "否", ""]])
    company = Company.objects.get()
    page = import_file(
        editor_client, "company", [COMPANY_HEADER, ["赛桥生物科技有限公司", CODE_A, "企业", "深圳", "否", ""]]
    )
    assert page.context["result"].totals["skip"] == 1
    assert company.history.count() == 1


def test_a_csv_file_with_english_headers_and_unknown_industries_is_refused(editor_client):
    page = preview(
        editor_client,
        "company",
        csv_bytes([["name", "credit_code", "Industries"], ["华润集团", "", "新能源、低空经济"]]),
        CSV,
        "data.csv",
    )
    [invalid] = page.context["result"].invalid_rows
    assert "找不到产业：新能源、低空经济" in str(invalid.error_dict["industries"])
    assert not Company.objects.exists()


def test_a_csv_file_imports_like_an_xlsx_file(editor_client):
    import_file(editor_client, "company", [["名称", "城市"], ["深创投", "深圳"]], CSV)
    assert Company.objects.get().city == "深圳"


def test_rows_that_turn_invalid_between_preview_and_confirmation_roll_the_whole_import_back(editor_client):
    owner = UserFactory(username="zhangsan")
    content = xlsx([["名称", "负责人"], ["深创投", "zhangsan"], ["华润集团", "zhangsan"]])
    page = preview(editor_client, "company", content)
    assert page.context["confirm_form"] is not None
    owner.delete()
    response = confirm(editor_client, "company", page)
    assert response.status_code == 302
    assert response.url == reverse("admin:crm_company_import")
    assert not Company.objects.exists()


def test_viewers_cannot_import_but_may_export(viewer_client):
    assert viewer_client.get(reverse("admin:crm_company_import")).status_code == 403
    assert viewer_client.get(reverse("admin:crm_company_export")).status_code == 200


# Contacts, projects, agreements, milestones ----------------------------------------------------------------


def test_contacts_are_identified_by_company_and_name(editor_client):
    company = CompanyFactory(name="华润集团", credit_code=CODE_A)
    header = ["所在单位", "姓名", "职务", "版本"]
    import_file(
        editor_client, "contact", [header, ["华润集团", "王祥明", "董事长", ""], [CODE_A, "刘小明", "总经理", ""]]
    )
    version = Contact.objects.get(name="王祥明").version
    import_file(editor_client, "contact", [header, ["华润集团", "王祥明", "党委书记、董事长", version]])
    assert Contact.objects.filter(company=company).count() == 2
    assert Contact.objects.get(name="王祥明").title == "党委书记、董事长"


def test_a_contact_of_an_unknown_company_is_an_error_of_its_row(editor_client):
    page = preview(editor_client, "contact", xlsx([["所在单位", "姓名"], ["不存在的公司", "王祥明"]]))
    [invalid] = page.context["result"].invalid_rows
    assert "找不到合作方「不存在的公司」" in str(invalid.error_dict)


def test_a_new_project_records_its_first_stage_and_a_reimport_moves_it_through_the_service(editor_client, admin_editor):
    header = ["项目名称", "阶段", "总投资（元）", "版本"]
    import_file(editor_client, "project", [header, ["乐荟中心产业园", "洽谈", "20亿", ""]])
    project = Project.objects.get()
    assert (project.stage, project.total_investment) == ("negotiating", Decimal("2000000000.00"))
    assert project.history.first().history_user == admin_editor
    import_file(editor_client, "project", [header, ["乐荟中心产业园", "签约", "20亿", project.version]])
    changes = list(
        ProjectStageChange.objects.filter(project=project)
        .order_by("id")
        .values_list("to_stage", "reason", "changed_by")
    )
    assert changes == [("negotiating", "创建项目", admin_editor.pk), ("signed", "", admin_editor.pk)]
    assert Project.objects.count() == 1


def test_an_editor_cannot_move_a_project_backward_by_import(editor_client):
    project = ProjectFactory(name="乐荟中心产业园", stage="construction")
    page = preview(
        editor_client,
        "project",
        xlsx([["项目名称", "阶段", "阶段变更原因", "版本"], ["乐荟中心产业园", "签约", "录入有误", project.version]]),
    )
    [invalid] = page.context["result"].invalid_rows
    assert "只有管理员" in str(invalid.error_dict["stage"])


def test_a_confidential_project_is_not_found_by_an_outsiders_import(editor_client):
    hidden = ProjectFactory(name="保密项目甲", is_confidential=True)
    page = preview(
        editor_client, "milestone", xlsx([["项目", "名称", "计划日期"], ["保密项目甲", "开工", "2025-09-01"]])
    )
    [invalid] = page.context["result"].invalid_rows
    assert "找不到项目「保密项目甲」" in str(invalid.error_dict)
    assert not hidden.milestones.exists()


def test_agreements_are_identified_by_title_and_date_and_signing_moves_the_project(editor_client):
    project = ProjectFactory(name="乐荟中心产业园", stage="negotiating")
    CompanyFactory(name="深圳乐荟")
    header = ["协议名称", "签约日期", "签约各方", "涉及项目", "状态", "协议金额（元）"]
    import_file(
        editor_client, "agreement", [header, ["战略合作协议", "2025年6月1日", "深圳乐荟", "乐荟中心产业园", "草拟", ""]]
    )
    version = Agreement.objects.get().version
    import_file(
        editor_client,
        "agreement",
        [
            [*header, "版本"],
            ["战略合作协议", "2025-06-01", "深圳乐荟", "乐荟中心产业园", "已签约", "3,500万", version],
        ],
    )
    agreement = Agreement.objects.get()
    assert (agreement.status, agreement.amount) == ("signed", Decimal("35000000.00"))
    assert list(agreement.companies.values_list("name", flat=True)) == ["深圳乐荟"]
    assert Project.objects.get(pk=project.pk).stage == "signed"


def test_milestones_are_identified_by_project_and_title_and_completion_goes_through_the_service(editor_client):
    ProjectFactory(name="乐荟中心产业园")
    header = ["项目", "名称", "类型", "计划日期", "完成日期", "版本"]
    import_file(editor_client, "milestone", [header, ["乐荟中心产业园", "开工", "开工", "2025-06-01", "", ""]])
    version = Milestone.objects.get().version
    import_file(
        editor_client, "milestone", [header, ["乐荟中心产业园", "开工", "开工", "2025-06-01", "2025-06-10", version]]
    )
    milestone = Milestone.objects.get()
    assert milestone.done_on == dt.date(2025, 6, 10)
    assert milestone.history.first().history_change_reason == "完成节点"


# Export -------------------------------------------------------------------------------------------------


def _export_fields(client, model):
    form = client.get(reverse(f"admin:crm_{model}_export")).context["form"]
    return {name: "on" for name, field in form.fields.items() if getattr(field, "is_selectable_field", False)}


def test_exporting_selected_companies_gives_an_xlsx_with_chinese_columns(editor_client):
    chosen = CompanyFactory(name="华润集团", credit_code=CODE_A, is_listed=True)
    CompanyFactory(name="不导出的公司")
    page = editor_client.post(
        reverse("admin:crm_company_changelist"), {"action": "export_admin_action", ACTION_CHECKBOX_NAME: [chosen.pk]}
    )
    assert page.status_code == 200
    response = editor_client.post(
        reverse("admin:crm_company_export"),
        {"format": XLSX, "resource": "0", "export_items": [chosen.pk], **_export_fields(editor_client, "company")},
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:5] == ["名称", "简称", "英文名称", "类型", "统一社会信用代码"]
    assert len(rows) == 2
    assert rows[1][0] == "华润集团" and rows[1][4] == CODE_A and "是" in rows[1]


def test_an_exported_csv_imports_back_without_changes(editor_client):
    CompanyFactory(name="华润集团", credit_code=CODE_A, owner=UserFactory(username="wang"))
    response = editor_client.post(
        reverse("admin:crm_company_export"),
        {"format": CSV, "resource": "0", **_export_fields(editor_client, "company")},
    )
    content = response.content.decode("utf-8")
    assert content.splitlines()[0].startswith("名称,简称,英文名称,类型,统一社会信用代码")
    page = preview(editor_client, "company", content.encode("utf-8"), CSV, "export.csv")
    assert page.context["result"].totals["skip"] == 1


def test_exports_leave_out_confidential_projects_of_outsiders(editor_client):
    ProjectFactory(name="公开项目")
    ProjectFactory(name="保密项目乙", is_confidential=True)
    response = editor_client.post(
        reverse("admin:crm_project_export"),
        {"format": CSV, "resource": "0", **_export_fields(editor_client, "project")},
    )
    content = response.content.decode("utf-8")
    assert "公开项目" in content and "保密项目乙" not in content


# Widgets --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "yuan"),
    [
        ("20亿", "2000000000.00"),
        ("3,500万", "35000000.00"),
        ("1.2亿元", "120000000.00"),
        ("500", "500.00"),
        (1e8, "100000000.00"),
    ],
)
def test_amounts_are_read_as_people_write_them(text, yuan):
    assert AmountWidget().clean(text) == Decimal(yuan)


def test_a_malformed_amount_is_an_error():
    with pytest.raises(ValueError, match="不是有效的金额"):
        AmountWidget().clean("二十亿")


@pytest.mark.parametrize(
    "text", ["2024-10-22", "2024/10/22", "2024.10.22", "2024年10月22日", dt.datetime(2024, 10, 22)]
)
def test_dates_are_read_in_the_usual_chinese_and_iso_forms(text):
    assert DateWidget().clean(text) == dt.date(2024, 10, 22)


def test_yes_and_no_are_read_in_chinese_and_english():
    widget = YesNoWidget()
    assert [widget.clean(v) for v in ["是", "否", "Y", "false", "", 1]] == [True, False, True, False, False, True]


def test_a_file_beyond_the_admins_row_limit_is_refused_whole_with_the_limit_named(editor_client, settings):
    """Preview and confirmation each run in one web request: a file too large for the server's
    timeout is refused before any row is read, with what to do about it."""
    settings.IMPORT_MAX_ROWS = 3
    rows = [COMPANY_HEADER] + [[f"限额测试企业{i}", "", "企业", "常州", "否", ""] for i in range(4)]
    page = preview(editor_client, "company", xlsx(rows))
    assert page.status_code == 200
    text = page.content.decode()
    assert "文件有 4 行，一次最多导入 3 行" in text and "at most 3 can be imported" in text
    assert not Company.objects.filter(name__startswith="限额测试企业").exists()
    settings.IMPORT_MAX_ROWS = 4  # the same file within the limit imports
    import_file(editor_client, "company", rows)
    assert Company.objects.filter(name__startswith="限额测试企业").count() == 4

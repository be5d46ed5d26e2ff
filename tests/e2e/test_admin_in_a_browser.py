"""The admin in a real Chromium: a manager's day, and two sessions editing the same project.

Screenshots of the key pages are kept under var/screenshots/ (CI artifacts).
"""

import openpyxl
import pytest
from playwright.sync_api import expect

from crm.models import Company, Project, ProjectStageChange
from tests.admin.conftest import PASSWORD, staff
from tests.e2e.conftest import log_in
from tests.factories import ProjectFactory, make_credit_code

pytestmark = pytest.mark.django_db(transaction=True)

COMPANY = "常州星河新能源科技有限公司"
CODE = make_credit_code(7)
OTHER_CODE = make_credit_code(8)
BAD_CODE = OTHER_CODE[:17] + ("0" if OTHER_CODE[17] != "0" else "1")


def _xlsx(path, rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return str(path)


def _pick_autocomplete(page, field: str, term: str, choice: str) -> None:
    """Choose ``choice`` in the select2 autocomplete of ``field`` after typing ``term``."""
    page.click(f".field-{field} .select2-selection")
    page.fill(".select2-container--open .select2-search__field", term)
    page.click(f".select2-results__option:has-text('{choice}')")


def test_a_manager_works_through_the_admin_in_chinese_then_switches_to_english(
    live_server, new_page, screenshot, tmp_path
):
    staff("manager", username="wang", full_name="王经理")
    base = live_server.url
    page = new_page()

    # Log in: the dashboard is the index.
    log_in(page, base, "wang", PASSWORD)
    expect(page.locator("#dashboard-stages")).to_contain_text("项目阶段分布")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    screenshot(page, "01-dashboard-zh")

    # A company with a Chinese name and a valid credit code.
    page.goto(f"{base}/admin/crm/company/add/")
    page.fill("#id_name", COMPANY)
    page.fill("#id_credit_code", CODE)
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_contain_text(COMPANY)
    assert Company.objects.get(credit_code=CODE).name == COMPANY

    # Found by search (part of the name).
    page.fill("#searchbar", "星河新能源")
    page.press("#searchbar", "Enter")
    expect(page.locator("#result_list")).to_contain_text(COMPANY)
    screenshot(page, "02-company-search")

    # A project with two milestones entered inline.
    page.goto(f"{base}/admin/crm/project/add/")
    page.fill("#id_name", "星河储能电池项目")
    _pick_autocomplete(page, "company", "星河", COMPANY)
    page.select_option("#id_stage", "negotiating")
    page.fill("#id_total_investment", "2000000000")
    page.fill("#id_milestones-0-title", "签约")
    page.select_option("#id_milestones-0-kind", "signing")
    page.fill("#id_milestones-0-due_on", "2026-12-01")
    page.click("#milestones-group .add-row a")
    page.fill("#id_milestones-1-title", "开工")
    page.select_option("#id_milestones-1-kind", "construction_start")
    page.fill("#id_milestones-1-due_on", "2027-03-01")
    screenshot(page, "03-project-with-milestones")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_contain_text("星河储能电池项目")
    expect(page.locator("#result_list")).to_contain_text("20.00 亿元")
    project = Project.objects.get(name="星河储能电池项目")
    assert sorted(project.milestones.values_list("title", flat=True)) == ["开工", "签约"]
    assert ProjectStageChange.objects.filter(project=project, to_stage="negotiating").exists()
    screenshot(page, "04-project-list")

    # An XLSX of companies with one bad row: the preview shows the row's error, nothing is written.
    # The known company's row carries the version of the export it came from (the 版本 column).
    header = ["名称", "统一社会信用代码", "城市", "上市公司", "版本"]
    version = Company.objects.get().version
    page.goto(f"{base}/admin/crm/company/import/")
    page.set_input_files(
        "#id_import_file",
        _xlsx(
            tmp_path / "bad.xlsx",
            [header, [COMPANY, CODE, "常州", "否", version], ["深圳赛桥生物科技有限公司", BAD_CODE, "深圳", "否", ""]],
        ),
    )
    page.select_option("#id_format", "0")
    page.click("form[enctype='multipart/form-data'] input[type=submit]")
    expect(page.locator("#content")).to_contain_text("校验位不正确")
    expect(page.locator("form[action$='process_import/']")).to_have_count(0)
    screenshot(page, "05-import-row-error")
    assert Company.objects.count() == 1 and Company.objects.get().city == ""

    # Fixed, previewed, confirmed: one new company, the first one updated (found by its code).
    page.set_input_files(
        "#id_import_file",
        _xlsx(
            tmp_path / "good.xlsx",
            [
                header,
                [COMPANY, CODE, "常州", "否", version],
                ["深圳赛桥生物科技有限公司", OTHER_CODE, "深圳", "否", ""],
            ],
        ),
    )
    page.select_option("#id_format", "0")
    page.click("form[enctype='multipart/form-data'] input[type=submit]")
    confirm = page.locator("form[action$='process_import/'] input[type=submit]")
    expect(confirm).to_have_count(1)
    screenshot(page, "06-import-preview")
    confirm.click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert Company.objects.count() == 2
    company = Company.objects.get(credit_code=CODE)
    assert company.city == "常州"

    # The same file edited again, after the import moved the record on: its version is stale.
    page.goto(f"{base}/admin/crm/company/import/")
    page.set_input_files(
        "#id_import_file",
        _xlsx(tmp_path / "stale.xlsx", [header, [COMPANY, CODE, "武进", "否", version]]),
    )
    page.select_option("#id_format", "0")
    page.click("form[enctype='multipart/form-data'] input[type=submit]")
    expect(page.locator("#import-errors")).to_contain_text("版本")
    expect(page.locator("#import-errors")).to_contain_text("请重新导出")
    expect(page.locator("form[action$='process_import/']")).to_have_count(0)
    screenshot(page, "06b-import-stale-version")
    assert Company.objects.get(credit_code=CODE).city == "常州"

    # The change is in the company's history: who, when, which field from what to what.
    page.goto(f"{base}/admin/crm/company/{company.pk}/history/")
    history = page.locator("#change-history")
    expect(history).to_contain_text("王经理")
    expect(history).to_contain_text("城市")
    expect(history).to_contain_text("常州")
    screenshot(page, "07-company-history")

    # Switch to English: the same page, then the dashboard, in English.
    page.select_option("#language-select", "en")
    page.click("#language-switcher button")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#change-history")).to_contain_text("Changed by")
    expect(page.locator("#change-history")).to_contain_text("City")
    page.goto(f"{base}/admin/")
    expect(page.locator("#dashboard-stages")).to_contain_text("Projects by stage")
    expect(page.locator("#dashboard-stages")).to_contain_text("CNY 2.00 bn")
    screenshot(page, "08-dashboard-en")
    page.goto(f"{base}/admin/crm/project/{project.pk}/change/")
    expect(page.locator("#content")).to_contain_text("Total investment (CNY)")
    screenshot(page, "09-project-en")


def test_two_sessions_edit_the_same_project_and_the_second_save_is_refused(live_server, new_page, screenshot):
    staff("manager", username="wang", full_name="王经理")
    staff("editor", username="li", full_name="李编辑")
    project = ProjectFactory(name="乐荟中心产业园")
    base = live_server.url
    change = f"{base}/admin/crm/project/{project.pk}/change/"
    first, second = new_page(), new_page()
    log_in(first, base, "li", PASSWORD)
    log_in(second, base, "wang", PASSWORD)
    first.goto(change)
    second.goto(change)

    first.fill("#id_name", "乐荟中心产业园（一期）")
    first.click("input[name=_save]")
    expect(first.locator(".messagelist .success")).to_be_visible()

    second.fill("#id_name", "乐荟中心产业园（二期）")
    second.click("input[name=_save]")
    expect(second.locator(".errornote, .errorlist.nonfield")).to_have_count(2)
    expect(second.locator(".errorlist.nonfield")).to_contain_text("保存失败")
    expect(second.locator(".errorlist.nonfield")).to_contain_text("李编辑")
    screenshot(second, "10-stale-form-refused")

    project.refresh_from_db()
    assert project.name == "乐荟中心产业园（一期）"

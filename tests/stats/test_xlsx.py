"""?format=xlsx on every stats endpoint: a real workbook with Chinese headers and the numbers."""

from io import BytesIO
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(client, path, **params):
    response = client.get(f"/api/v1/{path}", {**params, "format": "xlsx"})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == XLSX
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    return load_workbook(BytesIO(response.content)), unquote(disposition)


def rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def test_signed_stats_download_with_their_groups_and_total(api, world):
    book, disposition = workbook(
        api, "stats/signed/", group_by="meeting", signed_on__gte="2024-01-01", signed_on__lte="2024-12-31"
    )
    assert "filename*=UTF-8''签约统计_2025-12-31.xlsx" in disposition
    assert 'filename="signed-stats_2025-12-31.xlsx"' in disposition
    assert book.sheetnames == ["签约统计", "重点项目"]
    table = rows(book["签约统计"])
    assert table[0] == (
        "签约活动", "协议数", "协议金额（元）", "无金额协议数", "签约项目数", "项目总投资（元）", "合同投资（元）",
        "无投资额项目数",
    )  # fmt: skip
    # the figures of test_signed: conf1 3 agreements 17亿, 1 project 20亿; the total row last
    assert table[1][:6] == ("推介会A", 3, 1700000000, 1, 1, 2000000000)
    assert table[-1][:6] == ("合计", 7, 2650000000, 2, 4, 2680000000)
    assert book["签约统计"]["C2"].number_format == "#,##0.00"
    top = rows(book["重点项目"])
    assert top[0][0] == "项目"
    assert top[1][0] == "光伏组件"


def test_the_pipeline_downloads_with_its_stalled_projects(editor_api, world):
    book, disposition = workbook(editor_api, "stats/pipeline/")
    assert "项目阶段统计_2025-12-31.xlsx" in disposition
    stages = rows(book["阶段分布"])
    assert stages[0][:3] == ("阶段", "项目数", "总投资（元）")
    # an outsider's construction stage: P6 only (the confidential P4 is left out)
    assert stages[4][:3] == ("开工", 1, 1200000000)
    assert stages[4][6] == 699  # median days now: P6's
    stalled = rows(book["停滞超过180天的项目"])
    # nor is P4 named
    assert [row[0] for row in stalled[1:]] == ["意向项目", "老项目", "合成生物基地"]


def test_the_kpis_download_with_their_definitions(api, world):
    book, disposition = workbook(api, "stats/kpis/", year=2024)
    assert "年度指标_2024_2025-12-31.xlsx" in disposition
    table = {row[0]: row[1:] for row in rows(book["2024年度指标"])}
    assert table["指标"][:3] == ("数值", "分子", "分母")
    assert table["签约项目数（个）"][0] == 4
    assert table["履约率"][:3] == (0.5, 2, 4)
    assert table["开工率"][:3] == (0.6667, 2, 3)
    assert table["资金到位率"][:3] == (0.25, 500000000, 2000000000)
    assert table["亿元以上项目（个）"][0] == 3
    assert "开工" in table["履约率"][3]
    assert book["2024年度指标"]["B6"].number_format == "0.00%"


def test_an_events_outcome_downloads(api, world):
    book, disposition = workbook(api, f"stats/events/{world.conf1.pk}/")
    assert f"活动签约成效_{world.conf1.pk}_2025-12-31.xlsx" in disposition
    table = rows(book["签约成效"])
    assert table[0][:3] == ("时点", "日期", "已开工项目数")
    assert table[1][0] == "签约后6个月"
    assert table[1][2:5] == (1, 0, 500000000)
    assert table[3][0] == "签约后24个月（未到）"
    assert rows(book["签约项目"])[1][0] == "光伏组件"


def test_an_error_in_an_xlsx_request_is_answered_in_json(api, world):
    response = api.get("/api/v1/stats/signed/", {"format": "xlsx", "group_by": "district"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "group_by" in response.json()
    missing = api.get("/api/v1/stats/events/999999/", {"format": "xlsx"})
    assert (missing.status_code, missing["Content-Type"]) == (404, "application/json")

"""The reports as XLSX workbooks with Chinese headers: one function per report, one writer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
RATE_FORMAT = "0.00%"
DATE_FORMAT = "yyyy-mm-dd"


@dataclass
class Column:
    header: str
    width: int = 14


@dataclass
class Sheet:
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)


def workbook(sheets: list[Sheet]) -> bytes:
    """The bytes of an .xlsx file holding ``sheets``; money, rates and dates stay numbers and dates."""
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(sheet.title[:31])
        ws.append([column.header for column in sheet.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            ws.append([_value(value) for value in row])
            for cell, value in zip(ws[ws.max_row], row, strict=False):
                number_format = _format(value)
                if number_format:
                    cell.number_format = number_format
        for index, column in enumerate(sheet.columns, start=1):
            ws.column_dimensions[get_column_letter(index)].width = column.width
        ws.freeze_panes = "A2"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _value(value):
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, Decimal | int | float | dt.date) or value is None:
        return value
    return str(value)


def _format(value) -> str | None:
    """Money has two places, rates four (shown as a percentage), days one."""
    if isinstance(value, Decimal):
        return {-2: MONEY_FORMAT, -4: RATE_FORMAT, -1: "0.0"}.get(value.as_tuple().exponent)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return DATE_FORMAT
    return None


FIGURE_COLUMNS = [
    Column("协议数", 10),
    Column("协议金额（元）", 20),
    Column("无金额协议数", 12),
    Column("签约项目数", 12),
    Column("项目总投资（元）", 20),
    Column("合同投资（元）", 20),
    Column("无投资额项目数", 14),
]
FIGURE_KEYS = [
    "agreements",
    "amount",
    "agreements_without_amount",
    "projects",
    "total_investment",
    "contracted_investment",
    "projects_without_investment",
]
GROUP_HEADERS = {
    "industry": "产业",
    "top_industry": "产业链",
    "location": "落户地",
    "month": "月份",
    "quarter": "季度",
    "meeting": "签约活动",
    "owner": "负责人",
}


def signed_sheets(result: dict) -> list[Sheet]:
    groups = Sheet("签约统计", [Column(GROUP_HEADERS[result["group_by"]], 36), *FIGURE_COLUMNS])
    for group in result["groups"]:
        groups.rows.append([group["label"], *(group[key] for key in FIGURE_KEYS)])
    groups.rows.append(["合计", *(result["totals"][key] for key in FIGURE_KEYS)])
    top = Sheet(
        "重点项目",
        [
            Column("项目", 36),
            Column("投资方", 24),
            Column("落户地"),
            Column("阶段", 8),
            Column("首次签约日期", 14),
            Column("总投资（元）", 20),
        ],
    )
    for project in result["top_projects"]:
        top.rows.append(
            [
                project["name"],
                project["company_name"],
                project["location"],
                project["stage_display"],
                project["signed_on"],
                project["total_investment"],
            ]
        )
    return [groups, top]


def pipeline_sheets(result: dict) -> list[Sheet]:
    stages = Sheet(
        "阶段分布",
        [
            Column("阶段", 10),
            Column("项目数", 10),
            Column("总投资（元）", 20),
            Column("无投资额项目数", 14),
            Column("已结束停留次数", 14),
            Column("停留天数中位数", 14),
            Column("当前停留天数中位数", 18),
        ],
    )
    for stage in result["stages"]:
        stages.rows.append(
            [
                str(stage["label"]),
                stage["projects"],
                stage["total_investment"],
                stage["projects_without_investment"],
                stage["stays"],
                stage["median_days"],
                stage["median_days_current"],
            ]
        )
    totals = result["totals"]
    stages.rows.append(["合计", totals["projects"], totals["total_investment"], totals["projects_without_investment"]])
    stalled = Sheet(
        f"停滞超过{result['stalled_days']}天的项目",
        [
            Column("项目", 36),
            Column("阶段", 8),
            Column("进入阶段日期", 14),
            Column("停留天数", 10),
            Column("投资方", 24),
            Column("负责人", 10),
            Column("落户地"),
            Column("总投资（元）", 20),
        ],
    )
    for project in result["stalled"]:
        stalled.rows.append(
            [
                project["name"],
                project["stage_display"],
                project["since"],
                project["days"],
                project["company_name"],
                project["owner_name"],
                project["location"],
                project["total_investment"],
            ]
        )
    return [stages, stalled]


KPI_DEFINITIONS = {
    "signed": "当年首次签约（协议状态为已签约、履行中或已履行完毕）的项目；多次签约的项目只计一次",
    "target": "当年签约项目总投资 ÷ 管理员设定的年度签约目标",
    "fulfilment": "当年签约项目中，截至统计日已开工（阶段记录中出现开工或其后阶段）的比例",
    "construction_start": "当年到期（截至统计日）的开工节点所属项目中，截至统计日已开工的比例",
    "completion": "当年到期（截至统计日）的竣工节点所属项目中，截至统计日已竣工的比例",
    "capital_arrival": "当年签约且填写了合同投资的项目：截至统计日到位资金 ÷ 合同投资",
    "over_100m": "当年签约项目中总投资不低于1亿元的个数",
    "over_1b": "当年签约项目中总投资不低于10亿元的个数",
    "arrived_in_year": "当年内（截至统计日）所有项目到位资金合计",
}


def kpi_sheets(result: dict) -> list[Sheet]:
    sheet = Sheet(
        f"{result['year']}年度指标",
        [
            Column("指标", 22),
            Column("数值", 20),
            Column("分子", 20),
            Column("分母", 20),
            Column("口径", 80),
        ],
    )

    def ratio(name, figures, definition):
        sheet.rows.append([name, figures["rate"], figures["numerator"], figures["denominator"], definition])

    d = KPI_DEFINITIONS
    sheet.rows += [
        ["签约项目数（个）", result["signed_projects"], None, None, d["signed"]],
        ["签约项目总投资（元）", result["signed_investment"], None, None, d["signed"]],
        ["年度签约目标（元）", result["target"], None, None, result["target_note"]],
        ["目标完成率", result["target_completion_rate"], result["signed_investment"], result["target"], d["target"]],
    ]
    ratio("履约率", result["fulfilment"], d["fulfilment"])
    ratio("开工率", result["construction_start"], d["construction_start"])
    ratio("竣工率", result["completion"], d["completion"])
    arrival = result["capital_arrival"]
    sheet.rows += [
        ["资金到位率", arrival["rate"], arrival["arrived"], arrival["contracted"], d["capital_arrival"]],
        ["亿元以上项目（个）", result["projects_over_100m"], None, None, d["over_100m"]],
        ["10亿元以上项目（个）", result["projects_over_1b"], None, None, d["over_1b"]],
        ["当年到位资金（元）", result["capital_arrived_in_year"], None, None, d["arrived_in_year"]],
        ["统计截止日", result["as_of"], None, None, ""],
    ]
    return [sheet]


def event_sheets(result: dict) -> list[Sheet]:
    meeting = result["meeting"]
    summary = Sheet(
        "签约成效",
        [
            Column("时点", 16),
            Column("日期", 12),
            Column("已开工项目数", 14),
            Column("已投产项目数", 14),
            Column("到位资金（元）", 20),
            Column("资金到位率", 12),
        ],
    )
    for checkpoint in result["checkpoints"]:
        label = f"签约后{checkpoint['months']}个月" + ("" if checkpoint["reached"] else "（未到）")
        summary.rows.append(
            [
                label,
                checkpoint["date"],
                checkpoint["started_construction"],
                checkpoint["in_production"],
                checkpoint["capital_arrived"],
                checkpoint["capital_arrival_rate"],
            ]
        )
    current = result["current"]
    summary.rows.append(
        [
            "截至今日",
            current["date"],
            current["started_construction"],
            current["in_production"],
            current["capital_arrived"],
            current["capital_arrival_rate"],
        ]
    )
    summary.rows.append([])
    summary.rows.append([f"{meeting['title']}（{meeting['date']:%Y-%m-%d}）"])
    summary.rows.append(
        [f"签约协议{result['agreements']}份，项目{result['projects']}个，总投资{result['total_investment']}元"]
    )
    projects = Sheet(
        "签约项目",
        [
            Column("项目", 36),
            Column("投资方", 24),
            Column("签约日期", 12),
            Column("当前阶段", 10),
            Column("开工日期", 12),
            Column("投产日期", 12),
            Column("总投资（元）", 20),
            Column("合同投资（元）", 20),
            Column("到位资金（元）", 20),
        ],
    )
    for project in result["project_list"]:
        projects.rows.append(
            [
                project["name"],
                project["company_name"],
                project["signed_on"],
                project["stage_display"],
                project["construction_on"],
                project["production_on"],
                project["total_investment"],
                project["contracted_investment"],
                project["capital_arrived"],
            ]
        )
    return [summary, projects]

"""A fixed world whose figures are worked out by hand in the tests (docs/stats.md has the rules).

Today is frozen at 31 December 2025 (Asia/Shanghai). Amounts in yuan; 1亿 = 100,000,000.

Industries: 新能源 (NE) with 储能 (ES) below it; 合成生物 (SB).
Meetings: conf1 推介会A on 2024-03-15, conf2 推介会B on 2024-11-20.

| project | industries | location | owner | total | contracted | stage history |
|---|---|---|---|---|---|---|
| P1 光伏组件 | ES | 武进 | owner | 20亿 | 15亿 | lead 2023-10-01, negotiating 2023-12-01, signed 2024-03-15, construction 2024-07-01, completed 2025-06-30, production 2025-09-01 |
| P2 储能电站 | ES, SB | 常州高新区 | owner | 1.8亿 | 1亿 | negotiating 2024-01-10, signed 2024-05-20, construction 2024-12-01, production 2025-08-01 |
| P3 合成生物基地 | SB | 常州高新区 | — | — | — | negotiating 2024-06-01, signed 2024-11-20 |
| P4 保密项目 (confidential) | NE | 武进 | insider | 5亿 | 4亿 | negotiating 2024-02-01, signed 2024-11-20, construction 2025-03-01 |
| P5 终止项目 | NE | 武进 | owner | 0.8亿 | — | negotiating 2024-01-01, signed 2024-08-08, dropped 2024-10-10 |
| P6 老项目 | NE | 武进 | manager | 12亿 | — | signed 2023-09-01, construction 2024-02-01 |
| P7 意向项目 | — | (blank) | owner | 3亿 | — | lead 2024-01-05 |

| agreement | project | meeting | signed_on | amount | status |
|---|---|---|---|---|---|
| A1 | P1 | conf1 | 2024-03-15 | 15亿 | signed |
| A2 | P1 | conf2 | 2024-11-20 | 3亿 | in_force (P1's second signing) |
| A3 | P2 | — | 2024-05-20 | 1.5亿 | signed |
| A4 | P3 | conf2 | 2024-11-20 | — | signed |
| A5 | P4 | conf2 | 2024-11-20 | 5亿 | signed |
| A6 | P5 | — | 2024-08-08 | 0.8亿 | terminated |
| A7 | P6 | — | 2023-09-01 | 10亿 | completed (P6's first signing) |
| A8 | P6 | conf1 | 2024-04-10 | 2亿 | signed (P6's second signing) |
| A9 | — | conf1 | 2024-03-15 | — | signed (strategic cooperation, no project) |
| A10 | P7 | — | — | 1亿 | draft |

Capital arrivals: P1 5亿 on 2024-06-30 and 2.5亿 on 2025-01-15; P2 0.6亿 on 2025-02-01;
P4 1亿 on 2025-04-01; P6 1亿 on 2024-03-01.
Milestones: construction_start P1 due 2024-06-30 (done 2024-07-01), P2 due 2024-10-31, P7 due
2024-09-30; completion P1 due 2025-06-30 (done), P6 due 2024-12-31.
Target: 2024 at 50亿.
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine

from crm import services
from crm.demo.data import SHANGHAI
from tests.conftest import client_for
from tests.factories import (
    AgreementFactory,
    CapitalArrivalFactory,
    CompanyFactory,
    IndustryFactory,
    InvestmentTargetFactory,
    MeetingFactory,
    MilestoneFactory,
    UserFactory,
)

API = "/api/v1/"
TODAY = dt.date(2025, 12, 31)
YI = Decimal(100_000_000)


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(dt.datetime(2025, 12, 31, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def project(name, *, history, industries=(), **fields):
    """A project walked through ``history`` [(stage, "YYYY-MM-DD"), ...] by the stage services."""
    first_stage, first_on = history[0]
    made = services.project_create(
        user=None,
        values={
            "name": name,
            "stage": first_stage,
            "stage_changed_on": day(first_on),
            "industries": industries,
            **fields,
        },
    )
    for stage, on in history[1:]:
        services.project_change_stage(project=made, to_stage=stage, user=None, changed_on=day(on))
    return made


def signing(project, meeting, on, amount, status="signed", **fields):
    return AgreementFactory(
        project=project,
        meeting=meeting,
        signed_on=day(on) if on else None,
        amount=Decimal(amount) if amount is not None else None,
        status=status,
        **fields,
    )


@pytest.fixture
def insider(db):
    """An editor in the confidential project's team."""
    return UserFactory(username="insider", full_name="内部人员", role="editor")


@pytest.fixture
def owner(db):
    return UserFactory(username="owner", full_name="项目负责人", role="editor")


@pytest.fixture
def insider_api(insider):
    return client_for(insider)


@pytest.fixture
def world(db, manager, owner, insider):
    ne = IndustryFactory(name="新能源", code="ne")
    es = IndustryFactory(name="储能", code="es", parent=ne)
    sb = IndustryFactory(name="合成生物", code="sb")
    c1, c2, c3, c4 = (CompanyFactory(name=name) for name in ("光伏集团", "储能科技", "合成生物公司", "产业园运营方"))
    conf1 = MeetingFactory(
        title="推介会A", kind="promotion_event", starts_at=dt.datetime(2024, 3, 15, 9, 30, tzinfo=SHANGHAI)
    )
    conf2 = MeetingFactory(
        title="推介会B", kind="promotion_event", starts_at=dt.datetime(2024, 11, 20, 14, 0, tzinfo=SHANGHAI)
    )
    conf1.companies.set([c1, c4])
    conf2.companies.set([c1, c3])

    p1 = project(
        "光伏组件",
        company=c1,
        industries=[es],
        location="武进",
        owner=owner,
        total_investment=20 * YI,
        contracted_investment=15 * YI,
        history=[
            ("lead", "2023-10-01"),
            ("negotiating", "2023-12-01"),
            ("signed", "2024-03-15"),
            ("construction", "2024-07-01"),
            ("completed", "2025-06-30"),
            ("production", "2025-09-01"),
        ],
    )
    p2 = project(
        "储能电站",
        company=c2,
        industries=[es, sb],
        location="常州高新区",
        owner=owner,
        total_investment=Decimal("180000000.00"),
        contracted_investment=1 * YI,
        history=[
            ("negotiating", "2024-01-10"),
            ("signed", "2024-05-20"),
            ("construction", "2024-12-01"),
            ("production", "2025-08-01"),
        ],
    )
    p3 = project(
        "合成生物基地",
        company=c3,
        industries=[sb],
        location="常州高新区",
        history=[("negotiating", "2024-06-01"), ("signed", "2024-11-20")],
    )
    p4 = project(
        "保密项目",
        company=c1,
        industries=[ne],
        location="武进",
        owner=insider,
        is_confidential=True,
        total_investment=5 * YI,
        contracted_investment=4 * YI,
        history=[("negotiating", "2024-02-01"), ("signed", "2024-11-20"), ("construction", "2025-03-01")],
    )
    p5 = project(
        "终止项目",
        company=c2,
        industries=[ne],
        location="武进",
        owner=owner,
        total_investment=Decimal("80000000.00"),
        history=[("negotiating", "2024-01-01"), ("signed", "2024-08-08"), ("dropped", "2024-10-10")],
    )
    p6 = project(
        "老项目",
        company=c2,
        industries=[ne],
        location="武进",
        owner=manager,
        total_investment=12 * YI,
        history=[("signed", "2023-09-01"), ("construction", "2024-02-01")],
    )
    p7 = project("意向项目", company=c3, owner=owner, total_investment=3 * YI, history=[("lead", "2024-01-05")])

    agreements = SimpleNamespace(
        a1=signing(p1, conf1, "2024-03-15", "1500000000.00"),
        a2=signing(p1, conf2, "2024-11-20", "300000000.00", status="in_force"),
        a3=signing(p2, None, "2024-05-20", "150000000.00"),
        a4=signing(p3, conf2, "2024-11-20", None),
        a5=signing(p4, conf2, "2024-11-20", "500000000.00", title="保密项目投资协议"),
        a6=signing(p5, None, "2024-08-08", "80000000.00", status="terminated"),
        a7=signing(p6, None, "2023-09-01", "1000000000.00", status="completed"),
        a8=signing(p6, conf1, "2024-04-10", "200000000.00"),
        a9=signing(None, conf1, "2024-03-15", None, kind="strategic_cooperation", title="战略合作协议"),
        a10=signing(p7, None, None, "100000000.00", status="draft"),
    )
    agreements.a1.companies.set([c1])
    agreements.a5.companies.set([c1])
    agreements.a9.companies.set([c4])

    for target, on, amount in (
        (p1, "2024-06-30", 5 * YI),
        (p1, "2025-01-15", Decimal("250000000.00")),
        (p2, "2025-02-01", Decimal("60000000.00")),
        (p4, "2025-04-01", 1 * YI),
        (p6, "2024-03-01", 1 * YI),
    ):
        CapitalArrivalFactory(project=target, arrived_on=day(on), amount=amount)
    for target, kind, due, done in (
        (p1, "construction_start", "2024-06-30", "2024-07-01"),
        (p2, "construction_start", "2024-10-31", None),
        (p7, "construction_start", "2024-09-30", None),
        (p1, "completion", "2025-06-30", "2025-06-30"),
        (p6, "completion", "2024-12-31", None),
    ):
        MilestoneFactory(project=target, kind=kind, due_on=day(due), done_on=day(done) if done else None)
    InvestmentTargetFactory(year=2024, amount=50 * YI)

    return SimpleNamespace(
        ne=ne,
        es=es,
        sb=sb,
        c1=c1,
        c2=c2,
        c3=c3,
        c4=c4,
        conf1=conf1,
        conf2=conf2,
        p1=p1,
        p2=p2,
        p3=p3,
        p4=p4,
        p5=p5,
        p6=p6,
        p7=p7,
        **vars(agreements),
    )


def get(client, path: str, **params):
    response = client.get(API + path, params)
    assert response.status_code == 200, response.content
    return response.json()


def figures(agreements, amount, without_amount, projects, total, contracted, without_investment) -> dict:
    """A group's figures as the API writes them (amounts as decimal strings)."""
    return {
        "agreements": agreements,
        "amount": amount,
        "agreements_without_amount": without_amount,
        "projects": projects,
        "total_investment": total,
        "contracted_investment": contracted,
        "projects_without_investment": without_investment,
    }

"""The figures of a user outside a confidential project's need-to-know leave it out entirely.

An ordinary world (one open project signed at a conference, with its stage history, capital
arrival and milestones) is asked every report as an outsider; then a confidential project is added
(its own investor, industry, location and owner, a team member, two signings, one at the same
conference, a stage history, a capital arrival, milestones and a task). The outsider's answers
must not move by one digit and must never name its location, owner, investor or industry; its
owner, its team member and a manager see it counted (the three get the same answers).

Today is 2025-12-31 (tests/stats/conftest.py).
"""

import datetime as dt
import json
from decimal import Decimal
from io import BytesIO
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from crm import dashboard
from crm.demo.data import SHANGHAI
from crm.reports.stats import GROUP_BY
from tests.conftest import client_for
from tests.factories import (
    CapitalArrivalFactory,
    CompanyFactory,
    IndustryFactory,
    InvestmentTargetFactory,
    MeetingFactory,
    MilestoneFactory,
    TaskFactory,
    UserFactory,
)
from tests.stats.conftest import YI, day, figures, get, project, signing

pytestmark = pytest.mark.django_db

SECRET_PLACE = "保密园区"
SECRET_OWNER = "保密负责人"
SECRET_INVESTOR = "保密投资方"
SECRET_INDUSTRY = "保密产业"
SECRET_NAME = "保密项目甲"


@pytest.fixture
def place(db, manager, editor):
    """The ordinary world, and the people and records the confidential project will use."""
    ne = IndustryFactory(name="新能源", code="ne")
    investor = CompanyFactory(name="光伏集团")
    conference = MeetingFactory(
        title="推介会", kind="promotion_event", starts_at=dt.datetime(2025, 3, 1, 9, 30, tzinfo=SHANGHAI)
    )
    conference.companies.set([investor])
    ordinary = project(
        "光伏组件",
        company=investor,
        industries=[ne],
        location="武进",
        owner=UserFactory(full_name="普通负责人", role="editor"),
        total_investment=10 * YI,
        contracted_investment=8 * YI,
        history=[
            ("lead", "2024-10-01"),
            ("negotiating", "2024-12-01"),
            ("signed", "2025-03-01"),
            ("construction", "2025-05-01"),
        ],
    )
    signing(ordinary, conference, "2025-03-01", "600000000.00").companies.set([investor])
    CapitalArrivalFactory(project=ordinary, arrived_on=day("2025-06-01"), amount=2 * YI)
    MilestoneFactory(project=ordinary, kind="construction_start", due_on=day("2025-04-30"), done_on=day("2025-05-01"))
    MilestoneFactory(project=ordinary, kind="completion", due_on=day("2025-11-30"))
    InvestmentTargetFactory(year=2025, amount=50 * YI)
    return SimpleNamespace(
        conference=conference,
        outsider=editor,
        manager=manager,
        owner=UserFactory(username="secret-owner", full_name=SECRET_OWNER, role="editor"),
        member=UserFactory(username="secret-member", full_name="项目组成员", role="editor"),
        investor=CompanyFactory(name=SECRET_INVESTOR),
        industry=IndustryFactory(name=SECRET_INDUSTRY, code="secret"),
    )


def add_secret(place):
    """The confidential project and everything that belongs to it."""
    secret = project(
        SECRET_NAME,
        company=place.investor,
        industries=[place.industry],
        location=SECRET_PLACE,
        owner=place.owner,
        is_confidential=True,
        total_investment=30 * YI,
        contracted_investment=20 * YI,
        history=[("negotiating", "2024-11-01"), ("signed", "2025-03-01"), ("construction", "2025-04-01")],
    )
    secret.team.set([place.member])
    signing(secret, place.conference, "2025-03-01", "2500000000.00", title="保密协议").companies.set([place.investor])
    signing(secret, None, "2025-10-15", "300000000.00", title="保密补充协议").companies.set([place.investor])
    CapitalArrivalFactory(project=secret, arrived_on=day("2025-06-15"), amount=5 * YI)
    MilestoneFactory(project=secret, kind="construction_start", due_on=day("2025-03-31"), done_on=day("2025-04-01"))
    MilestoneFactory(project=secret, kind="completion", due_on=day("2025-12-01"))
    TaskFactory(project=secret, due_on=day("2025-11-01"))
    return secret


# Every stats route of crm/api/urls.py, with each grouping and each filter that could single the
# confidential project out, and the XLSX downloads. {…} are filled in from ``place``.
STATS = [
    *(f"stats/signed/?group_by={group_by}" for group_by in GROUP_BY),
    "stats/signed/?group_by=month&signed_on__gte=2025-01-01&signed_on__lte=2025-12-31",
    "stats/signed/?group_by=location&location=" + SECRET_PLACE,
    "stats/signed/?group_by=owner&company={investor}",
    "stats/signed/?group_by=industry&owner={owner}",
    "stats/signed/?group_by=top_industry&industry={industry}",
    "stats/signed/?group_by=meeting&meeting={conference}",
    "stats/signed/?group_by=location&format=xlsx",
    "stats/signed/?group_by=owner&format=xlsx",
    "stats/signed/?group_by=industry&format=xlsx",
    "stats/pipeline/",
    "stats/pipeline/?stalled_days=30",
    "stats/pipeline/?location=" + SECRET_PLACE,
    "stats/pipeline/?company={investor}",
    "stats/pipeline/?owner={owner}",
    "stats/pipeline/?industry={industry}",
    "stats/pipeline/?format=xlsx",
    "stats/kpis/?year=2025",
    "stats/kpis/?year=2025&as_of=2025-06-30",
    "stats/kpis/?year=2025&format=xlsx",
    "stats/events/{conference}/",
    "stats/events/{conference}/?format=xlsx",
]
# The partner's own pages name the partner, of course: only the project's other labels are secret.
PARTNER = ["companies/{investor}/timeline/", "companies/{investor}/briefing/"]


def url(place, path: str) -> str:
    ids = {name: getattr(place, name).pk for name in ("investor", "owner", "industry", "conference")}
    return "/api/v1/" + path.format(**ids)


def answer(client, place, path: str):
    """The JSON body, or every sheet's rows of the workbook."""
    response = client.get(url(place, path))
    assert response.status_code == 200, response.content
    if "format=xlsx" in path:
        book = load_workbook(BytesIO(response.content))
        return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}
    return response.json()


def text(body) -> str:
    return json.dumps(body, ensure_ascii=False, default=str)


def secret_labels(path: str) -> list[str]:
    labels = [SECRET_NAME, SECRET_PLACE, SECRET_OWNER, SECRET_INDUSTRY, "保密协议", "保密补充协议"]
    return labels if path in PARTNER else [*labels, SECRET_INVESTOR]


@pytest.mark.parametrize("path", [*STATS, *PARTNER])
def test_an_outsider_sees_a_world_without_it_and_those_who_may_see_it_count_it(place, path):
    outsider = client_for(place.outsider)
    before = answer(outsider, place, path)
    add_secret(place)
    after = answer(outsider, place, path)
    assert after == before
    for label in secret_labels(path):
        assert label not in text(after)
    manager, owner, member = (
        answer(client_for(user), place, path) for user in (place.manager, place.owner, place.member)
    )
    assert manager != before
    assert owner == manager
    assert member == manager


def test_the_figures_it_adds_for_those_who_may_see_it(place):
    secret = add_secret(place)
    for user in (place.manager, place.member):
        client = client_for(user)
        body = get(client, "stats/signed/", group_by="location", location=SECRET_PLACE)
        # two signings (25亿 + 3亿), one project (30亿, 20亿 contracted)
        assert body["totals"] == figures(2, "2800000000.00", 0, 1, "3000000000.00", "2000000000.00", 0)
        assert [group["label"] for group in body["groups"]] == [SECRET_PLACE]
        owners = get(client, "stats/signed/", group_by="owner")["groups"]
        assert owners[0]["label"] == SECRET_OWNER
        assert [p["name"] for p in get(client, "stats/signed/")["top_projects"]] == [SECRET_NAME, "光伏组件"]
        kpis = get(client, "stats/kpis/", year=2025)
        # 10亿 + 30亿 signed; 2亿 + 5亿 arrived of 8亿 + 20亿 contracted
        assert (kpis["signed_projects"], kpis["signed_investment"]) == (2, "4000000000.00")
        assert kpis["capital_arrival"]["rate"] == "0.2500"
        assert kpis["capital_arrived_in_year"] == "700000000.00"
        pipeline = get(client, "stats/pipeline/", location=SECRET_PLACE)
        assert (pipeline["totals"]["projects"], pipeline["stalled_count"]) == (1, 1)
        assert [p["id"] for p in pipeline["stalled"]] == [secret.pk]
    outsider = client_for(place.outsider)
    assert get(outsider, "stats/signed/", group_by="location", location=SECRET_PLACE)["groups"] == []
    kpis = get(outsider, "stats/kpis/", year=2025)
    assert (kpis["signed_projects"], kpis["signed_investment"]) == (1, "1000000000.00")
    assert kpis["capital_arrival"]["rate"] == "0.2500"  # 2亿 of 8亿
    assert kpis["capital_arrived_in_year"] == "200000000.00"


def board(user) -> dict:
    """What the admin index draws: the bars, the signed total, the target, the overdue counts."""
    built = dashboard.build(user)
    return {
        "stages": built["stages"],
        "by_industry": built["by_industry"],
        "signed_total": built["signed_total"],
        "target": built["target"],
        "overdue": (built["overdue"]["milestone_count"], built["overdue"]["task_count"]),
    }


def test_an_outsiders_dashboard_does_not_count_it(place):
    before = board(place.outsider)
    add_secret(place)
    assert board(place.outsider) == before
    assert [bar.label for bar in before["by_industry"]] == ["新能源"]
    assert (before["signed_total"].count, before["signed_total"].amount) == (1, Decimal("1000000000.00"))
    assert before["target"]["percent"] == 20.0  # 10亿 of 50亿
    for user in (place.manager, place.member):
        seen = board(user)
        assert [bar.label for bar in seen["by_industry"]] == [SECRET_INDUSTRY, "新能源"]
        assert (seen["signed_total"].count, seen["signed_total"].amount) == (2, Decimal("4000000000.00"))
        assert seen["target"]["percent"] == 80.0  # 40亿 of 50亿
        assert sum(bar.count for bar in seen["stages"]) == sum(bar.count for bar in before["stages"]) + 1


def test_an_outsiders_admin_index_does_not_draw_it(place):
    add_secret(place)

    def index(role, **fields):
        client = Client()
        client.force_login(UserFactory(role=role, is_staff=True, **fields))
        response = client.get(reverse("admin:index"))
        assert response.status_code == 200
        return response.content.decode()

    outsider = index("editor")
    assert 'id="dashboard-stages"' in outsider
    for label in (SECRET_INDUSTRY, "40.00 亿元"):
        assert label not in outsider
    manager = index("manager")
    assert SECRET_INDUSTRY in manager and "40.00 亿元" in manager

"""``manage.py seed_demo``: the Changzhou delegation to Shenzhen of October 2024, loaded once however often it runs."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from crm import services
from crm.demo.data import SHANGHAI
from crm.models import (
    Agreement,
    CapitalArrival,
    Company,
    Contact,
    Industry,
    Meeting,
    Milestone,
    PartnerRequest,
    Project,
    ProjectStageChange,
    Task,
    Trip,
    User,
)

pytestmark = pytest.mark.django_db

CONFERENCE = "龙城跨越·深连世界 2024常州高新区(深圳)跨境电商产业投资合作推介会"
SAIQIAO_BASE = "赛桥生物合成生物治疗装备及高值耗材产业基地"


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def every_model():
    """Every table: the CRM's, their history, many-to-many links, auth, tokens."""
    return apps.get_models(include_auto_created=True)


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in every_model()}


def every_row() -> dict[str, list[dict]]:
    return {model._meta.label: list(model._default_manager.order_by("pk").values()) for model in every_model()}


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row.get("name") or row.get("title") for row in response.json()["results"]]


# Running it twice -----------------------------------------------------------------------------


def test_it_loads_the_delegation_with_its_meetings_projects_and_signed_agreements():
    seed(verbosity=0)

    trip = Trip.objects.get(title="常州经贸代表团赴深圳")
    assert (trip.start_date, trip.end_date) == (dt.date(2024, 10, 22), dt.date(2024, 10, 23))
    assert trip.leader.name == "陈金虎"
    assert sorted(trip.members.values_list("name", flat=True)) == sorted(["杭勇", "潘冬铃"])
    assert trip.meetings.count() == 10
    assert Project.objects.count() == 5
    assert set(Agreement.objects.values_list("status", "signed_on")) == {("signed", dt.date(2024, 10, 22))}
    assert Company.objects.get(name="华润集团").fortune500_rank == 72


def test_it_leaves_the_same_number_of_rows_in_every_table_when_run_twice():
    seed(verbosity=0)
    first = row_counts()

    seed(verbosity=0)

    assert row_counts() == first
    assert first["crm.Company"] == 19
    assert first["crm.ProjectStageChange"] == 9
    assert first["crm.HistoricalCompany"] > 0


def test_it_leaves_every_value_of_every_row_unchanged_when_run_twice():
    seed(verbosity=0)
    first = every_row()

    seed(verbosity=0)

    second = every_row()
    for label, rows in first.items():
        assert second[label] == rows, label
    sample = Project.objects.get(name=SAIQIAO_BASE)
    assert (sample.version, sample.stage) == (2, "construction")


def test_it_puts_back_a_demo_value_edited_since_the_last_run():
    seed(verbosity=0)
    Company.objects.filter(name="深圳湾实验室").update(kind="other", description="改过了")

    out = seed()

    lab = Company.objects.get(name="深圳湾实验室")
    assert lab.kind == "research_institute"
    assert lab.description.startswith("面向生命健康")
    assert "更新 updated 1 " in out


def test_it_leaves_a_project_alone_that_someone_moved_off_the_demo_path():
    seed(verbosity=0)
    base = Project.objects.get(name=SAIQIAO_BASE)
    services.project_change_stage(project=base, to_stage="stalled", user=None, reason="资金紧张")
    changes = ProjectStageChange.objects.count()

    seed(verbosity=0)

    assert Project.objects.get(pk=base.pk).stage == "stalled"
    assert ProjectStageChange.objects.count() == changes


def test_it_leaves_nothing_behind_when_a_step_fails(monkeypatch):
    def refuse(**kwargs):
        raise services.ServiceError("signed_on", "refused for the test")

    monkeypatch.setattr(services, "agreement_sign", refuse)

    with pytest.raises(services.ServiceError):
        seed(verbosity=0)

    assert Company.objects.count() == 0
    assert Project.objects.count() == 0
    assert User.objects.count() == 0


# What it prints -------------------------------------------------------------------------------


def test_it_prints_a_summary_in_chinese_and_english():
    first = seed()
    second = seed()

    assert "演示数据已就绪" in first
    assert "Demo data in place" in first
    assert "新建 created 93 · 更新 updated 0 · 未变 unchanged 0" in first
    assert "新建 created 0 · 更新 updated 0 · 未变 unchanged 93" in second
    assert "会见活动 meetings: 10" in second


def test_it_prints_nothing_at_verbosity_zero():
    assert seed(verbosity=0) == ""
    assert Trip.objects.count() == 1


# What it holds ---------------------------------------------------------------------------------


def test_it_seeds_only_rows_that_pass_model_validation():
    seed(verbosity=0)

    models = [User, Industry, Company, Contact, Trip, Meeting, Project]
    models += [Agreement, CapitalArrival, Milestone, PartnerRequest, Task]
    checked = 0
    for model in models:
        for instance in model._default_manager.all():
            instance.full_clean()  # SQLite does not enforce max_length; PostgreSQL would refuse
            checked += 1
    assert checked == 93


def test_it_invents_no_credit_codes():
    seed(verbosity=0)

    assert list(Company.objects.exclude(credit_code="").values_list("name", flat=True)) == []


def test_it_creates_demo_staff_who_cannot_sign_in():
    seed(verbosity=0)

    staff = {user.username: user for user in User.objects.all()}
    assert sorted(staff) == ["demo.lina", "demo.zhangwei"]
    assert not any(user.has_usable_password() for user in staff.values())
    assert staff["demo.zhangwei"].is_manager
    assert list(staff["demo.lina"].groups.values_list("name", flat=True)) == ["editor"]
    assert Milestone.objects.filter(assignee__isnull=True).count() == 0


def test_it_records_how_each_project_reached_its_stage():
    seed(verbosity=0)

    def path(name):
        return list(
            ProjectStageChange.objects.filter(project__name=name)
            .order_by("changed_at", "id")
            .values_list("from_stage", "to_stage", "changed_on")
        )

    assert [step[:2] for step in path(SAIQIAO_BASE)] == [("", "signed"), ("signed", "construction")]
    assert path("艾德领克跨境独立站项目") == [
        ("", "negotiating", dt.date(2024, 10, 22)),
        ("negotiating", "signed", dt.date(2024, 10, 22)),
    ]
    assert Project.objects.get(name="常州万象城").stage == "production"


def test_it_marks_the_milestones_reached_and_leaves_the_later_ones_open():
    seed(verbosity=0)

    base = Milestone.objects.filter(project__name=SAIQIAO_BASE).order_by("due_on")
    assert [(m.kind, m.done_on) for m in base] == [
        ("construction_start", dt.date(2024, 5, 20)),
        ("completion", None),
        ("production_start", None),
        ("full_production", None),
    ]
    assert all(m.due_on.year in (2025, 2026) for m in base if m.done_on is None)


def test_it_tracks_requests_and_tasks_in_several_states():
    seed(verbosity=0)

    assert set(PartnerRequest.objects.filter(company__name="赛桥生物").values_list("category", flat=True)) == {
        "人才",
        "用地",
        "审批",
    }
    assert set(PartnerRequest.objects.values_list("status", flat=True)) == {"open", "in_progress", "resolved"}
    done = Task.objects.get(status="done")
    assert done.done_at is not None and done.agreement.meeting.title == CONFERENCE
    assert Task.objects.filter(status="open", due_on__isnull=False).count() == 7


# Through the API, as the contract's filters find it -----------------------------------------------


def test_it_lists_the_conference_agreements_by_meeting(api):
    seed(verbosity=0)
    conference = Meeting.objects.get(title=CONFERENCE)

    response = api.get("/api/v1/agreements/", {"meeting": conference.pk})

    assert sorted(names(response)) == sorted(
        [
            "深圳乐荟跨境出海生态中心与常州高新区管委会战略合作协议",
            "艾德领克跨境独立站项目签约",
            "爱瑞派跨境电商公共海外仓项目签约",
        ]
    )
    assert {(a["status"], a["signed_on"]) for a in response.json()["results"]} == {("signed", "2024-10-22")}
    assert conference.kind == "promotion_event"


def test_it_lists_the_saiqiao_base_among_projects_in_construction(api):
    seed(verbosity=0)

    response = api.get("/api/v1/projects/", {"stage": "construction"})

    assert names(response) == [SAIQIAO_BASE]
    assert response.json()["results"][0]["location"] == "常州高新区"


def test_it_lists_shenzhen_bay_laboratory_among_research_institutes(api):
    seed(verbosity=0)

    response = api.get("/api/v1/companies/", {"kind": "research_institute"})

    assert names(response) == ["深圳湾实验室"]


def test_it_finds_china_resources_by_searching_huarun(api):
    seed(verbosity=0)

    response = api.get("/api/v1/companies/", {"search": "华润"})

    assert names(response) == ["华润集团"]


def test_it_lists_the_trip_meetings_with_shanghai_times(api):
    seed(verbosity=0)
    trip = Trip.objects.get(title="常州经贸代表团赴深圳")

    response = api.get("/api/v1/meetings/", {"trip": trip.pk, "page_size": 50})

    rows = response.json()["results"]
    assert len(names(response)) == 10
    assert {row["kind"] for row in rows} == {"talk", "site_visit", "negotiation", "visit", "promotion_event"}
    conference = next(row for row in rows if row["title"] == CONFERENCE)
    assert conference["starts_at"] == "2024-10-22T14:30:00+08:00"
    assert Meeting.objects.get(title=CONFERENCE).starts_at == dt.datetime(2024, 10, 22, 14, 30, tzinfo=SHANGHAI)


def test_it_lists_the_changzhou_subsidiaries_of_aac_by_parent(api):
    seed(verbosity=0)
    aac = Company.objects.get(name="瑞声科技")

    response = api.get("/api/v1/companies/", {"parent": aac.pk})

    assert sorted(names(response)) == sorted(["瑞声（中国）投资", "瑞声精密", "瑞声声学", "瑞智科技"])
    assert (aac.is_listed, aac.is_local_origin) == (True, True)


def test_it_sums_the_capital_arrived_for_the_mixc(api):
    seed(verbosity=0)
    mixc = Project.objects.get(name="常州万象城")

    response = api.get(f"/api/v1/projects/{mixc.pk}/")

    assert response.status_code == 200
    assert response.json()["total_investment"] == "2000000000.00"
    assert Decimal(response.json()["arrived_investment"]) == Decimal("1800000000.00")

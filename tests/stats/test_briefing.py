"""GET companies/{id}/briefing/: what a leader reads before a visit, as JSON and as a printable page."""

import datetime as dt
import re

import pytest
from django.core.management import call_command

from crm.demo.data import SHANGHAI
from crm.models import Company
from crm.reports.briefing import yuan_text
from tests.factories import (
    CompanyFactory,
    ContactFactory,
    MeetingFactory,
    MilestoneFactory,
    PartnerRequestFactory,
    TaskFactory,
)
from tests.stats.conftest import get

pytestmark = pytest.mark.django_db


def briefing(client, company, **params):
    return get(client, f"companies/{company.pk}/briefing/", **params)


@pytest.fixture
def visits(world):
    """People of 光伏集团 (c1) met at the two conferences and a talk; requests; overdue items."""
    chairman = ContactFactory(company=world.c1, name="王董事长", title="董事长")
    engineer = ContactFactory(company=world.c1, name="李总工", title="总工程师")
    ContactFactory(company=world.c1, name="从未见过", title="副总")
    world.conf1.attendees.set([chairman])
    world.conf2.attendees.set([chairman, engineer])
    talk = MeetingFactory(
        title="与光伏集团座谈",
        kind="talk",
        starts_at=dt.datetime(2025, 10, 8, 10, 0, tzinfo=SHANGHAI),
        outcomes="同意扩大二期投资",
    )
    talk.companies.set([world.c1])
    talk.attendees.set([chairman])
    later = MeetingFactory(title="下月回访", starts_at=dt.datetime(2026, 1, 20, 10, 0, tzinfo=SHANGHAI))
    later.companies.set([world.c1])
    return {
        "talk": talk,
        "open": PartnerRequestFactory(
            company=world.c1, category="用地", status="open", due_on=dt.date(2025, 11, 30), description="二期用地"
        ),
        "done": PartnerRequestFactory(company=world.c1, category="人才", status="resolved"),
        "late_milestone": MilestoneFactory(
            project=world.p1, title="达产", kind="full_production", due_on=dt.date(2025, 12, 1)
        ),
        "secret_milestone": MilestoneFactory(project=world.p4, title="保密节点", due_on=dt.date(2025, 11, 1)),
        "late_task": TaskFactory(company=world.c1, title="报送二期方案", due_on=dt.date(2025, 12, 20)),
    }


def test_it_gathers_what_a_leader_needs_before_a_visit(api, world, visits):
    body = briefing(api, world.c1)
    assert body["generated_on"] == "2025-12-31"
    assert body["company"]["name"] == "光伏集团"
    # people met, the last met first: the chairman (3 meetings, last 2025-10-08), the engineer (1)
    assert [(p["name"], p["title"], p["meetings"], p["last_met_on"]) for p in body["people"]] == [
        ("王董事长", "董事长", 3, "2025-10-08"),
        ("李总工", "总工程师", 1, "2024-11-20"),
    ]
    # the meetings held, newest first; the one still to come is not among them
    assert [m["title"] for m in body["meetings"]] == ["与光伏集团座谈", "推介会B", "推介会A"]
    assert body["meetings"][0]["outcomes"] == "同意扩大二期投资"
    assert {a["name"] for a in body["meetings"][1]["attendees"]} == {"李总工", "王董事长"}
    assert [(r["category"], r["overdue"], r["days_overdue"]) for r in body["open_requests"]] == [("用地", True, 31)]
    assert [(p["name"], p["stage"], p["arrived_investment"]) for p in body["projects"]] == [
        ("光伏组件", "production", "750000000.00"),
        ("保密项目", "construction", "100000000.00"),
    ]
    assert {a["title"] for a in body["agreements"]} == {world.a1.title, world.a2.title, "保密项目投资协议"}
    overdue = body["overdue"]
    # 达产 due 2025-12-01: 30 days late; the confidential project's 保密节点 (2025-11-01) for managers
    assert [(m["title"], m["days_overdue"]) for m in overdue["milestones"]] == [("保密节点", 60), ("达产", 30)]
    assert [(t["title"], t["days_overdue"]) for t in overdue["tasks"]] == [("报送二期方案", 11)]
    assert [r["category"] for r in overdue["requests"]] == ["用地"]


def test_a_confidential_project_is_left_out_for_those_who_may_not_see_it(editor_api, insider_api, world, visits):
    outsider = briefing(editor_api, world.c1)
    assert [p["name"] for p in outsider["projects"]] == ["光伏组件"]
    assert [m["title"] for m in outsider["overdue"]["milestones"]] == ["达产"]
    assert "保密项目投资协议" not in {a["title"] for a in outsider["agreements"]}
    assert "保密" not in str(outsider)
    assert "保密项目" in [p["name"] for p in briefing(insider_api, world.c1)["projects"]]
    page = editor_api.get(f"/api/v1/companies/{world.c1.pk}/briefing/", {"format": "html"}).content.decode()
    assert "光伏组件" in page
    assert "保密项目" not in page


def test_its_agreements_and_overdue_tasks_are_the_partners_by_either_road_once(api, editor_api, world, visits):
    """Signed by the partner or of its project; the partner's task or its project's: once each, and
    never one of a project the reader may not know of (nor of an agreement of such a project)."""
    of_project = TaskFactory(project=world.p1, title="项目跟进", due_on=dt.date(2025, 12, 10))
    both = TaskFactory(company=world.c1, project=world.p1, title="双重跟进", due_on=dt.date(2025, 12, 11))
    TaskFactory(company=world.c1, project=world.p4, title="保密项目跟进", due_on=dt.date(2025, 12, 12))
    TaskFactory(company=world.c1, agreement=world.a5, title="保密协议跟进", due_on=dt.date(2025, 12, 13))
    TaskFactory(company=world.c2, title="他方跟进", due_on=dt.date(2025, 12, 14))
    outsider = briefing(editor_api, world.c1)
    assert [t["id"] for t in outsider["overdue"]["tasks"]] == [of_project.pk, both.pk, visits["late_task"].pk]
    assert [t["title"] for t in briefing(api, world.c1)["overdue"]["tasks"]] == [
        "项目跟进",
        "双重跟进",
        "保密项目跟进",
        "保密协议跟进",
        "报送二期方案",
    ]
    assert [a["id"] for a in outsider["agreements"]] == [world.a2.pk, world.a1.pk]
    assert [a["id"] for a in briefing(editor_api, world.c4)["agreements"]] == [world.a9.pk]


def test_subsidiaries_are_listed_and_their_records_included_on_request(api, world):
    subsidiary = CompanyFactory(name="光伏集团常州公司", parent=world.c1, city="常州")
    ContactFactory(company=subsidiary, name="张经理")
    talk = MeetingFactory(title="常州公司座谈", starts_at=dt.datetime(2025, 6, 1, 10, 0, tzinfo=SHANGHAI))
    talk.companies.set([subsidiary])
    talk.attendees.set(subsidiary.contacts.all())
    body = briefing(api, world.c1)
    assert body["subsidiaries"][0]["name"] == "光伏集团常州公司"
    assert "张经理" not in [p["name"] for p in body["people"]]
    wide = briefing(api, world.c1, include_subsidiaries="true")
    assert wide["include_subsidiaries"] is True
    assert "张经理" in [p["name"] for p in wide["people"]]
    assert "常州公司座谈" in [m["title"] for m in wide["meetings"]]


def test_format_html_is_a_printable_page_in_chinese_with_no_outside_assets(api, world, visits):
    response = api.get(f"/api/v1/companies/{world.c1.pk}/briefing/", {"format": "html"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert "走访前简报：光伏集团" in page
    assert "@media print" in page
    for text in (
        "一、基本情况",
        "王董事长",
        "同意扩大二期投资",
        "光伏组件",
        "20亿元",
        "7.5亿元",
        "二期用地",
        "报送二期方案",
    ):
        assert text in page, text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<link" not in page


def test_a_browser_asking_for_html_gets_the_page(api, world):
    response = api.get(f"/api/v1/companies/{world.c1.pk}/briefing/", HTTP_ACCEPT="text/html")
    assert response["Content-Type"].startswith("text/html")


def test_errors_are_answered_in_json_even_for_the_page(api, anon_api, nobody_api, world):
    missing = api.get("/api/v1/companies/999999/briefing/", {"format": "html"})
    assert (missing.status_code, missing["Content-Type"]) == (404, "application/json")
    assert anon_api.get(f"/api/v1/companies/{world.c1.pk}/briefing/").status_code == 401
    assert nobody_api.get(f"/api/v1/companies/{world.c1.pk}/briefing/").status_code == 403
    bad = api.get(f"/api/v1/companies/{world.c1.pk}/briefing/", {"include_subsidiaries": "maybe"})
    assert bad.status_code == 400
    assert "include_subsidiaries" in bad.json()


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("2000000000.00", "20亿元"),
        ("750000000.00", "7.5亿元"),
        ("12345678.00", "1234.57万元"),
        ("3200.50", "3200.5元"),
        (None, "未披露"),
    ],
)
def test_amounts_are_written_as_people_write_them(amount, text):
    from decimal import Decimal

    assert yuan_text(Decimal(amount) if amount else None) == text


# The demo of seed_demo ------------------------------------------------------------------------------


def test_the_briefing_of_huarun_after_seed_demo_holds_the_seeds_facts(viewer_api):
    call_command("seed_demo", verbosity=0)
    huarun = Company.objects.get(name="华润集团")
    body = briefing(viewer_api, huarun)
    assert body["company"]["fortune500_rank"] == 72
    assert [(p["name"], p["stage"], p["stage_display"], p["total_investment"]) for p in body["projects"]] == [
        ("常州万象城", "production", "投产", "2000000000.00")
    ]
    # 6亿 + 8亿 + 4亿 of illustrative arrivals
    assert body["projects"][0]["arrived_investment"] == "1800000000.00"
    assert [(p["name"], p["title"]) for p in body["people"]] == [("王崔军", "总经理")]
    talk = body["meetings"][0]
    assert talk["title"] == "与华润集团座谈交流"
    assert "常州万象城" in talk["outcomes"]
    assert {a["name"] for a in talk["attendees"]} == {"陈金虎", "王崔军"}
    page = viewer_api.get(f"/api/v1/companies/{huarun.pk}/briefing/", {"format": "html"}).content.decode()
    assert "常州万象城" in page
    assert "投产" in page
    assert "王崔军" in page


def test_the_briefing_of_aac_after_seed_demo_lists_its_subsidiaries(viewer_api):
    call_command("seed_demo", verbosity=0)
    aac = Company.objects.get(name="瑞声科技")
    body = briefing(viewer_api, aac)
    assert {s["name"] for s in body["subsidiaries"]} == {"瑞声（中国）投资", "瑞声精密", "瑞声声学", "瑞智科技"}
    assert [p["name"] for p in body["people"]] == ["潘政民"]


def test_the_briefing_of_saiqiao_after_seed_demo_holds_its_open_requests(viewer_api):
    call_command("seed_demo", verbosity=0)
    saiqiao = Company.objects.get(name="赛桥生物")
    body = briefing(viewer_api, saiqiao)
    # 人才 (in progress, due 2024-12-31), 用地 (due 2025-03-31), 审批 (due 2025-05-31): all late by 2025-12-31
    assert [(r["category"], r["status"]) for r in body["open_requests"]] == [
        ("人才", "in_progress"),
        ("用地", "open"),
        ("审批", "open"),
    ]
    assert [p["stage"] for p in body["projects"]] == ["construction"]
    # 竣工 was due 2025-06-30 and is not done
    assert "产业基地竣工" in [m["title"] for m in body["overdue"]["milestones"]]

"""GET companies/{id}/timeline/: everything about a partner, newest first, a page at a time."""

import datetime as dt

import pytest
from django.core.management import call_command

from crm.models import Company, Project
from tests.factories import CompanyFactory, MeetingFactory, PartnerRequestFactory, TaskFactory
from tests.stats.conftest import get

pytestmark = pytest.mark.django_db


def timeline(client, company, **params):
    return get(client, f"companies/{company.pk}/timeline/", **params)


def entries(body) -> list[tuple[str, str, int]]:
    return [(item["kind"], item["date"], item["id"]) for item in body["results"]]


@pytest.fixture
def extras(world):
    """A request and a task of 光伏集团 (c1), beside the world's records."""
    return {
        "request": PartnerRequestFactory(company=world.c1, raised_on=dt.date(2024, 3, 15), category="用地"),
        "task": TaskFactory(company=world.c1, title="回访光伏集团", due_on=dt.date(2024, 12, 31)),
    }


def changes(project) -> dict[str, int]:
    """The ids of a project's stage changes, by the stage moved to."""
    return dict(project.stage_changes.values_list("to_stage", "id"))


def test_it_lists_everything_about_the_partner_newest_first(api, world, extras):
    p1, p4 = changes(world.p1), changes(world.p4)
    assert entries(timeline(api, world.c1)) == [
        ("stage_change", "2025-09-01", p1["production"]),
        ("stage_change", "2025-06-30", p1["completed"]),
        ("milestone", "2025-06-30", world.p1.milestones.get(kind="completion").pk),
        ("stage_change", "2025-03-01", p4["construction"]),
        ("task", "2024-12-31", extras["task"].pk),
        # the same day: stage changes, then agreements (the newest id first), then meetings
        ("stage_change", "2024-11-20", p4["signed"]),
        ("agreement", "2024-11-20", world.a5.pk),
        ("agreement", "2024-11-20", world.a2.pk),
        ("meeting", "2024-11-20", world.conf2.pk),
        ("stage_change", "2024-07-01", p1["construction"]),
        ("milestone", "2024-07-01", world.p1.milestones.get(kind="construction_start").pk),
        ("stage_change", "2024-03-15", p1["signed"]),
        ("agreement", "2024-03-15", world.a1.pk),
        ("request", "2024-03-15", extras["request"].pk),
        ("meeting", "2024-03-15", world.conf1.pk),
        # a project's item is its creation, dated by its first stage
        ("project", "2024-02-01", world.p4.pk),
        ("stage_change", "2023-12-01", p1["negotiating"]),
        ("project", "2023-10-01", world.p1.pk),
    ]


def test_each_item_says_what_it_is_and_links_to_its_record(api, world, extras):
    items = {(item["kind"], item["id"]): item for item in timeline(api, world.c1)["results"]}
    meeting = items[("meeting", world.conf1.pk)]
    assert meeting["kind_display"] == "会见活动"
    assert meeting["title"] == "推介会A"
    assert meeting["datetime"] == "2024-03-15T09:30:00+08:00"
    assert meeting["meeting_kind"] == "promotion_event"
    assert meeting["url"] == f"http://testserver/api/v1/meetings/{world.conf1.pk}/"
    agreement = items[("agreement", world.a1.pk)]
    assert (agreement["amount"], agreement["project_name"], agreement["meeting_title"]) == (
        "1500000000.00",
        "光伏组件",
        "推介会A",
    )
    assert agreement["url"].endswith(f"/api/v1/agreements/{world.a1.pk}/")
    change = items[("stage_change", changes(world.p1)["construction"])]
    assert change["title"] == "光伏组件：签约 → 开工"
    assert (change["from_stage"], change["to_stage"]) == ("signed", "construction")
    assert change["url"].endswith(f"/api/v1/projects/{world.p1.pk}/stage-history/")
    project = items[("project", world.p1.pk)]
    assert (project["stage"], project["total_investment"]) == ("production", "2000000000.00")
    assert project["url"].endswith(f"/api/v1/projects/{world.p1.pk}/")
    request = items[("request", extras["request"].pk)]
    assert request["title"].startswith("诉求（用地）")
    assert request["url"].endswith(f"/api/v1/requests/{extras['request'].pk}/")
    task = items[("task", extras["task"].pk)]
    assert (task["title"], task["status"], task["overdue"]) == ("回访光伏集团", "open", True)
    milestone = items[("milestone", world.p1.milestones.get(kind="completion").pk)]
    assert (milestone["milestone_kind"], milestone["done_on"]) == ("completion", "2025-06-30")


def test_a_confidential_project_is_absent_for_those_who_may_not_see_it(editor_api, insider_api, world, extras):
    outsider = entries(timeline(editor_api, world.c1))
    assert len(outsider) == 18 - 4  # P4's project, its two stage changes and its agreement A5
    hidden = {
        ("project", world.p4.pk),
        ("agreement", world.a5.pk),
        *(("stage_change", pk) for pk in changes(world.p4).values()),
    }
    assert not hidden & {(kind, pk) for kind, _date, pk in outsider}
    assert "保密项目" not in str(timeline(editor_api, world.c1))
    assert len(entries(timeline(insider_api, world.c1))) == 18


def test_agreements_and_tasks_are_the_partners_by_either_road_once_and_keep_their_secrecy(
    api, editor_api, world, extras
):
    """An agreement is the partner's when it signed it or when it is of its project; a task when it
    is the partner's or of its project. Either road (or both) lists it once; the secrecy of its
    project, or of its agreement's project, hides it whichever road led to it."""
    of_project = TaskFactory(project=world.p1, title="项目跟进")
    both = TaskFactory(company=world.c1, project=world.p1, title="双重跟进")
    elsewhere = TaskFactory(company=world.c2, project=world.p1, title="他方跟进")
    secret_project = TaskFactory(company=world.c1, project=world.p4, title="保密项目跟进")
    secret_agreement = TaskFactory(company=world.c1, agreement=world.a5, title="保密协议跟进")
    tasks = {extras["task"].pk, of_project.pk, both.pk, elsewhere.pk}
    secrets = {secret_project.pk, secret_agreement.pk}

    def listed(client, company, kind):
        return [pk for found, _date, pk in entries(timeline(client, company, kind=kind)) if found == kind]

    assert sorted(listed(api, world.c1, "task")) == sorted(tasks | secrets)
    assert sorted(listed(editor_api, world.c1, "task")) == sorted(tasks)
    assert listed(editor_api, world.c2, "task") == [elsewhere.pk]
    # a1 and a5 were signed by 光伏集团 and are of its projects; a2 is of its project only
    assert sorted(listed(api, world.c1, "agreement")) == sorted([world.a1.pk, world.a2.pk, world.a5.pk])
    assert sorted(listed(editor_api, world.c1, "agreement")) == sorted([world.a1.pk, world.a2.pk])
    # a9 (no project) was signed by the park's operator only, and hides from nobody
    assert listed(editor_api, world.c4, "agreement") == [world.a9.pk]
    assert timeline(editor_api, world.c4, kind="agreement")["count"] == 1


def test_it_pages_with_the_lists_page_numbers(api, world, extras):
    everything = entries(timeline(api, world.c1))
    first = timeline(api, world.c1, page_size=5)
    assert first["count"] == 18
    assert entries(first) == everything[:5]
    assert first["previous"] is None
    assert "page=2" in first["next"]
    assert entries(timeline(api, world.c1, page_size=5, page=4)) == everything[15:]
    assert (
        timeline(api, world.c1, page_size=5, page="last")["results"]
        == timeline(api, world.c1, page_size=5, page=4)["results"]
    )
    assert api.get(f"/api/v1/companies/{world.c1.pk}/timeline/", {"page": 5, "page_size": 5}).status_code == 404
    assert api.get(f"/api/v1/companies/{world.c1.pk}/timeline/", {"page": "x"}).status_code == 404


def test_the_count_comes_with_the_page_and_an_empty_timeline_is_an_empty_first_page(api, world, extras):
    assert timeline(api, world.c1, kind="meeting", page_size=1)["count"] == 2
    assert timeline(api, world.c1, kind="meeting", page_size=1, page=2)["count"] == 2
    empty = CompanyFactory(name="新客户")
    nothing = {"count": 0, "next": None, "previous": None, "results": []}
    assert timeline(api, empty) == nothing
    assert timeline(api, empty, page="last") == nothing
    assert api.get(f"/api/v1/companies/{empty.pk}/timeline/", {"page": 2}).status_code == 404


def test_it_can_be_narrowed_to_some_kinds(api, world, extras):
    body = timeline(api, world.c1, kind=["meeting", "request"])
    assert [kind for kind, _date, _pk in entries(body)] == ["meeting", "request", "meeting"]


def test_subsidiaries_are_included_on_request(api, world):
    subsidiary = CompanyFactory(name="光伏集团常州分公司", parent=world.c1)
    grandchild = CompanyFactory(name="光伏集团常州分公司研发中心", parent=subsidiary)
    visit = MeetingFactory(title="拜访分公司", starts_at=dt.datetime(2025, 5, 1, 2, 0, tzinfo=dt.UTC))
    visit.companies.set([grandchild])
    assert ("meeting", "2025-05-01", visit.pk) not in entries(timeline(api, world.c1))
    assert ("meeting", "2025-05-01", visit.pk) in entries(timeline(api, world.c1, include_subsidiaries="true"))


def test_a_meeting_is_dated_in_shanghai(api, world):
    late = MeetingFactory(title="夜间电话会", starts_at=dt.datetime(2025, 5, 1, 17, 0, tzinfo=dt.UTC))
    late.companies.set([world.c3])
    item = timeline(api, world.c3, kind="meeting")["results"][0]
    assert (item["date"], item["datetime"]) == ("2025-05-02", "2025-05-02T01:00:00+08:00")


@pytest.mark.parametrize(
    ("query", "field"), [({"kind": "email"}, "kind"), ({"include_subsidiaries": "maybe"}, "include_subsidiaries")]
)
def test_a_bad_parameter_is_a_400_naming_it(api, world, query, field):
    response = api.get(f"/api/v1/companies/{world.c1.pk}/timeline/", query)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_an_unknown_company_is_a_404_and_roles_apply(api, anon_api, nobody_api, viewer_api, world):
    assert api.get("/api/v1/companies/999999/timeline/").status_code == 404
    assert anon_api.get(f"/api/v1/companies/{world.c1.pk}/timeline/").status_code == 401
    assert nobody_api.get(f"/api/v1/companies/{world.c1.pk}/timeline/").status_code == 403
    assert viewer_api.get(f"/api/v1/companies/{world.c1.pk}/timeline/").status_code == 200


# The demo of seed_demo ------------------------------------------------------------------------------


def test_the_timeline_of_saiqiao_after_seed_demo_holds_the_visit_and_the_start_of_construction(viewer_api):
    call_command("seed_demo", verbosity=0)
    saiqiao = Company.objects.get(name="赛桥生物")
    base = Project.objects.get(name="赛桥生物合成生物治疗装备及高值耗材产业基地")
    body = timeline(viewer_api, saiqiao)
    items = body["results"]
    visit = next(item for item in items if item["kind"] == "meeting")
    assert (visit["title"], visit["meeting_kind"], visit["date"]) == ("参观赛桥生物", "site_visit", "2024-10-22")
    assert {attendee["name"] for attendee in visit["attendees"]} == {"陈金虎", "商院芳"}
    start = next(item for item in items if item["kind"] == "stage_change")
    assert (start["project"], start["from_stage"], start["to_stage"], start["date"]) == (
        base.pk,
        "signed",
        "construction",
        "2024-05-20",
    )
    assert {item["category"] for item in items if item["kind"] == "request"} == {"人才", "审批", "用地"}
    assert ("milestone", "2024-05-20") in {(item["kind"], item["date"]) for item in items}
    assert any(item["kind"] == "task" and item["title"].startswith("督办赛桥基地建设进度") for item in items)
    assert ("project", "2024-01-15") in {(item["kind"], item["date"]) for item in items}
    # milestones due later (2025, 2026) come first: newest first means the latest date first
    dates = [item["date"] for item in items]
    assert dates == sorted(dates, reverse=True)

"""GET stats/signed/: every grouping of the fixed world of conftest, worked out by hand.

Counted in 2024 (signed, in_force or completed; A6 is terminated, A7 signed in 2023, A10 a draft):
A1 (P1, conf1, 03-15, 15亿), A8 (P6, conf1, 04-10, 2亿), A3 (P2, —, 05-20, 1.5亿),
A9 (—, conf1, 03-15, no amount), A2 (P1, conf2, 11-20, 3亿), A4 (P3, conf2, 11-20, no amount),
A5 (P4, conf2, 11-20, 5亿).
Projects counted once, with their first signing: P1 (A1), P2 (A3), P3 (A4), P4 (A5). P6 was first
signed in 2023 (A7), so its A8 adds an agreement and no project.
"""

import pytest

from tests.stats.conftest import figures, get

pytestmark = pytest.mark.django_db

YEAR_2024 = {"signed_on__gte": "2024-01-01", "signed_on__lte": "2024-12-31"}
ZERO = figures(0, "0.00", 0, 0, "0.00", "0.00", 0)


def groups(body) -> dict:
    return {group["label"]: {k: group[k] for k in ZERO} for group in body["groups"]}


def test_the_totals_count_each_signing_and_each_project_once(api, world):
    body = get(api, "stats/signed/", **YEAR_2024)
    # agreements 7; amount 15亿 + 2亿 + 1.5亿 + 3亿 + 5亿 = 26.5亿 (A9 and A4 have none: 2 without);
    # projects P1, P2, P3, P4 = 4; total 20亿 + 1.8亿 + 5亿 = 26.8亿 (P3 unknown: 1 without);
    # contracted 15亿 + 1亿 + 4亿 = 20亿
    assert body["totals"] == figures(7, "2650000000.00", 2, 4, "2680000000.00", "2000000000.00", 1)


def test_it_groups_by_month_with_the_empty_months_as_zeros(api, world):
    body = get(api, "stats/signed/", group_by="month", **YEAR_2024)
    assert [group["key"] for group in body["groups"]] == [f"2024-{m:02d}" for m in range(1, 13)]
    by_month = {group["key"]: {k: group[k] for k in ZERO} for group in body["groups"]}
    # March: A1 (15亿, P1 first: 20亿, contracted 15亿) and A9 (no amount)
    assert by_month["2024-03"] == figures(2, "1500000000.00", 1, 1, "2000000000.00", "1500000000.00", 0)
    # April: A8 (2亿), a second signing of P6: no project
    assert by_month["2024-04"] == figures(1, "200000000.00", 0, 0, "0.00", "0.00", 0)
    # May: A3 (1.5亿), P2 first: 1.8亿, contracted 1亿
    assert by_month["2024-05"] == figures(1, "150000000.00", 0, 1, "180000000.00", "100000000.00", 0)
    # August: A6 is terminated, so nothing
    assert by_month["2024-08"] == ZERO
    # November: A2 (3亿, P1 again: no project), A4 (no amount, P3 first: no total), A5 (5亿, P4 first)
    # amount 3亿 + 5亿 = 8亿; projects P3, P4; total 5亿; contracted 4亿
    assert by_month["2024-11"] == figures(3, "800000000.00", 1, 2, "500000000.00", "400000000.00", 1)
    assert by_month["2024-01"] == by_month["2024-12"] == ZERO
    assert body["groups"][2]["label"] == "2024年3月"


def test_it_groups_by_quarter(api, world):
    body = get(api, "stats/signed/", group_by="quarter", **YEAR_2024)
    assert [group["key"] for group in body["groups"]] == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    by_quarter = groups(body)
    # Q1 = March
    assert by_quarter["2024年第1季度"] == figures(2, "1500000000.00", 1, 1, "2000000000.00", "1500000000.00", 0)
    # Q2 = A8 (2亿) + A3 (1.5亿) = 3.5亿; P2 only
    assert by_quarter["2024年第2季度"] == figures(2, "350000000.00", 0, 1, "180000000.00", "100000000.00", 0)
    # Q3: only the terminated A6
    assert by_quarter["2024年第3季度"] == ZERO
    assert by_quarter["2024年第4季度"] == figures(3, "800000000.00", 1, 2, "500000000.00", "400000000.00", 1)


def test_a_project_signed_at_two_events_counts_for_the_first(api, world):
    body = get(api, "stats/signed/", group_by="meeting", **YEAR_2024)
    assert [group["label"] for group in body["groups"]] == ["推介会A", "推介会B", "未关联签约活动"]
    by_meeting = groups(body)
    # conf1: A1 (15亿), A8 (2亿), A9 (—) = 17亿; projects: P1 only (P6 was first signed in 2023)
    assert by_meeting["推介会A"] == figures(3, "1700000000.00", 1, 1, "2000000000.00", "1500000000.00", 0)
    # conf2: A2 (3亿), A4 (—), A5 (5亿) = 8亿; projects P3, P4 — not P1, first signed at conf1
    assert by_meeting["推介会B"] == figures(3, "800000000.00", 1, 2, "500000000.00", "400000000.00", 1)
    # no meeting: A3
    assert by_meeting["未关联签约活动"] == figures(1, "150000000.00", 0, 1, "180000000.00", "100000000.00", 0)
    assert body["groups"][0]["key"] == str(world.conf1.pk)
    assert body["groups"][0]["date"] == "2024-03-15"
    assert body["groups"][2]["key"] is None


def test_filtering_on_the_second_event_leaves_out_the_project_first_signed_elsewhere(api, world):
    body = get(api, "stats/signed/", meeting=world.conf2.pk, **YEAR_2024)
    # A2, A4, A5: three agreements, but P1 belongs to conf1: projects P3 and P4
    assert body["totals"] == figures(3, "800000000.00", 1, 2, "500000000.00", "400000000.00", 1)


def test_it_groups_by_location(api, world):
    body = get(api, "stats/signed/", group_by="location", **YEAR_2024)
    assert [group["label"] for group in body["groups"]] == ["武进", "常州高新区", "未填写落户地"]
    by_location = groups(body)
    # 武进: A1 15亿 + A8 2亿 + A2 3亿 + A5 5亿 = 25亿; projects P1 (20亿, 15亿) and P4 (5亿, 4亿)
    assert by_location["武进"] == figures(4, "2500000000.00", 0, 2, "2500000000.00", "1900000000.00", 0)
    # 常州高新区: A3 1.5亿 and A4 (—); projects P2 (1.8亿, 1亿) and P3 (—)
    assert by_location["常州高新区"] == figures(2, "150000000.00", 1, 2, "180000000.00", "100000000.00", 1)
    # no project, so no location: A9
    assert by_location["未填写落户地"] == figures(1, "0.00", 1, 0, "0.00", "0.00", 0)


def test_it_groups_by_each_industry_of_a_project_so_the_groups_may_sum_to_more(api, world):
    body = get(api, "stats/signed/", group_by="industry", **YEAR_2024)
    # ordered by total investment: 21.8亿, 5亿, 1.8亿; the group without an industry last
    assert [group["label"] for group in body["groups"]] == ["储能", "新能源", "合成生物", "未分类"]
    by_industry = groups(body)
    # 储能: P1 (A1 15亿, A2 3亿) and P2 (A3 1.5亿) = 19.5亿; total 20亿 + 1.8亿; contracted 15亿 + 1亿
    assert by_industry["储能"] == figures(3, "1950000000.00", 0, 2, "2180000000.00", "1600000000.00", 0)
    # 合成生物: P2 (A3 1.5亿) and P3 (A4 —)
    assert by_industry["合成生物"] == figures(2, "150000000.00", 1, 2, "180000000.00", "100000000.00", 1)
    # 新能源 itself: P4 (A5 5亿, first) and P6 (A8 2亿, not first)
    assert by_industry["新能源"] == figures(2, "700000000.00", 0, 1, "500000000.00", "400000000.00", 0)
    assert by_industry["未分类"] == figures(1, "0.00", 1, 0, "0.00", "0.00", 0)
    # P2 is under two industries: 3 + 2 + 2 + 1 = 8 agreements for 7
    assert sum(group["agreements"] for group in body["groups"]) == 8
    assert body["groups"][0]["code"] == "es"


def test_it_groups_by_the_top_of_the_industry_tree(api, world):
    body = get(api, "stats/signed/", group_by="top_industry", **YEAR_2024)
    assert [group["label"] for group in body["groups"]] == ["新能源", "合成生物", "未分类"]
    by_chain = groups(body)
    # 新能源 (储能 rolls up): A1 15亿, A2 3亿, A3 1.5亿, A5 5亿, A8 2亿 = 26.5亿;
    # projects P1, P2, P4: 20亿 + 1.8亿 + 5亿 = 26.8亿; contracted 15亿 + 1亿 + 4亿 = 20亿
    assert by_chain["新能源"] == figures(5, "2650000000.00", 0, 3, "2680000000.00", "2000000000.00", 0)
    assert by_chain["合成生物"] == figures(2, "150000000.00", 1, 2, "180000000.00", "100000000.00", 1)


def test_it_groups_by_the_projects_owner(api, world, owner, insider, manager):
    body = get(api, "stats/signed/", group_by="owner", **YEAR_2024)
    assert [group["label"] for group in body["groups"]] == ["项目负责人", "内部人员", str(manager), "未指定负责人"]
    by_owner = groups(body)
    # owner: P1 (A1 15亿, A2 3亿) and P2 (A3 1.5亿)
    assert by_owner["项目负责人"] == figures(3, "1950000000.00", 0, 2, "2180000000.00", "1600000000.00", 0)
    # insider: P4 (A5 5亿)
    assert by_owner["内部人员"] == figures(1, "500000000.00", 0, 1, "500000000.00", "400000000.00", 0)
    # manager: P6's second signing A8 (2亿), no project
    assert by_owner[str(manager)] == figures(1, "200000000.00", 0, 0, "0.00", "0.00", 0)
    # nobody: A4 (P3 has no owner, first signing, no total) and A9 (no project)
    assert by_owner["未指定负责人"] == figures(2, "0.00", 2, 1, "0.00", "0.00", 1)
    assert body["groups"][0]["key"] == str(owner.pk)


def test_the_list_filters_narrow_the_signings(api, world):
    # 新能源 and everything below it: P1, P2, P4, P6 → A1, A2, A3, A5, A8
    assert get(api, "stats/signed/", industry=world.ne.pk, **YEAR_2024)["totals"]["agreements"] == 5
    # 武进: A1, A2, A5, A8
    assert get(api, "stats/signed/", location="武进", **YEAR_2024)["totals"]["agreements"] == 4
    # P1 and P2 are at production, P3 at signed: A1, A2, A3 and A4; projects P1, P2, P3
    stages = get(api, "stats/signed/", stage=["production", "signed"], **YEAR_2024)["totals"]
    assert (stages["agreements"], stages["projects"]) == (4, 3)
    assert get(api, "stats/signed/", kind="strategic_cooperation")["totals"]["agreements"] == 1
    assert get(api, "stats/signed/", company=world.c1.pk)["totals"]["agreements"] == 2  # A1 and A5


def test_status_replaces_the_counted_statuses(api, world):
    body = get(api, "stats/signed/", status="terminated")
    # A6 only: 0.8亿, its project P5 (0.8亿) first signed with it among terminated agreements
    assert body["totals"] == figures(1, "80000000.00", 0, 1, "80000000.00", "0.00", 0)


def test_without_a_range_it_counts_every_signing(api, world):
    body = get(api, "stats/signed/", group_by="quarter")
    # adds A7 (2023-09-01, 10亿, P6 first: 12亿)
    assert body["totals"] == figures(8, "3650000000.00", 2, 5, "3880000000.00", "2000000000.00", 1)
    # from 2023-Q3 (A7) to 2024-Q4 (the last signing), empty quarters included
    assert [group["key"] for group in body["groups"]] == [
        "2023-Q3", "2023-Q4", "2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4",
    ]  # fmt: skip


def test_a_period_without_signings_has_zero_figures(api, world):
    body = get(api, "stats/signed/", signed_on__gte="2025-01-01", signed_on__lte="2025-03-31")
    assert body["totals"] == ZERO
    assert [(group["key"], group["agreements"], group["amount"]) for group in body["groups"]] == [
        ("2025-01", 0, "0.00"),
        ("2025-02", 0, "0.00"),
        ("2025-03", 0, "0.00"),
    ]
    assert body["top_projects"] == []


def test_a_confidential_project_counts_and_is_named_only_for_those_who_may_see_it(api, editor_api, insider_api, world):
    # an outsider's figures leave the confidential P4 out: A5 (5亿) and P4 (5亿, 4亿 contracted)
    assert get(editor_api, "stats/signed/", **YEAR_2024)["totals"] == figures(
        6, "2150000000.00", 2, 3, "2180000000.00", "1600000000.00", 1
    )
    # its owner and the managers count it
    assert get(insider_api, "stats/signed/", **YEAR_2024)["totals"] == get(api, "stats/signed/", **YEAR_2024)["totals"]
    names = [p["name"] for p in get(api, "stats/signed/", **YEAR_2024)["top_projects"]]
    assert names == ["光伏组件", "保密项目", "储能电站", "合成生物基地"]
    assert [p["name"] for p in get(insider_api, "stats/signed/", **YEAR_2024)["top_projects"]] == names
    outsider = get(editor_api, "stats/signed/", **YEAR_2024)["top_projects"]
    assert [p["name"] for p in outsider] == ["光伏组件", "储能电站", "合成生物基地"]
    assert outsider[0]["signed_on"] == "2024-03-15"
    assert outsider[0]["total_investment"] == "2000000000.00"
    assert outsider[0]["url"].endswith(f"/api/v1/projects/{world.p1.pk}/")
    assert [p["name"] for p in get(api, "stats/signed/", top=1, **YEAR_2024)["top_projects"]] == ["光伏组件"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"group_by": "district"}, "group_by"),
        ({"status": "bogus"}, "status"),
        ({"kind": "lease"}, "kind"),
        ({"stage": "bogus"}, "stage"),
        ({"signed_on__gte": "2024-13-01"}, "signed_on__gte"),
        ({"signed_on__lte": "yesterday"}, "signed_on__lte"),
        ({"meeting": "999999"}, "meeting"),
        ({"industry": "x"}, "industry"),
        ({"top": "0"}, "top"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(api, world, query, field):
    response = api.get("/api/v1/stats/signed/", query)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_every_role_reads_the_stats_and_others_are_refused(viewer_api, anon_api, nobody_api, world):
    assert viewer_api.get("/api/v1/stats/signed/").status_code == 200
    assert anon_api.get("/api/v1/stats/signed/").status_code == 401
    assert nobody_api.get("/api/v1/stats/signed/").status_code == 403
    assert anon_api.get("/api/v1/stats/signed/?format=xlsx").status_code == 401

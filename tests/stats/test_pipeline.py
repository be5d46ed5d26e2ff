"""GET stats/pipeline/: projects by stage, the median days in each stage, the stalled projects.

Today is 2025-12-31. The stays that have ended, from the stage histories of conftest:
  lead:         P1 2023-10-01 → 2023-12-01 = 61
  negotiating:  P1 2023-12-01 → 2024-03-15 = 105, P2 2024-01-10 → 05-20 = 131,
                P3 2024-06-01 → 11-20 = 172, P4 2024-02-01 → 11-20 = 293, P5 2024-01-01 → 08-08 = 220
  signed:       P1 2024-03-15 → 07-01 = 108, P2 2024-05-20 → 12-01 = 195, P4 2024-11-20 → 2025-03-01 = 101,
                P5 2024-08-08 → 10-10 = 63, P6 2023-09-01 → 2024-02-01 = 153
  construction: P1 2024-07-01 → 2025-06-30 = 364, P2 2024-12-01 → 2025-08-01 = 243
  completed:    P1 2025-06-30 → 09-01 = 63
Where the projects are now, and since when:
  lead P7 (2024-01-05, 726 days), signed P3 (2024-11-20, 406), construction P4 (2025-03-01, 305) and
  P6 (2024-02-01, 699), production P1 (2025-09-01, 121) and P2 (2025-08-01, 152), dropped P5 (2024-10-10, 447).
"""

import pytest

from tests.stats.conftest import get
from tests.stats.test_xlsx import rows, workbook

pytestmark = pytest.mark.django_db


def stage(body, code) -> dict:
    return next(row for row in body["stages"] if row["stage"] == code)


def test_it_counts_and_sums_the_projects_of_each_stage(api, world):
    body = get(api, "stats/pipeline/")
    assert [row["stage"] for row in body["stages"]] == [
        "lead", "negotiating", "signed", "construction", "completed", "production", "full_production",
        "stalled", "dropped",
    ]  # fmt: skip
    counts = {
        row["stage"]: (row["projects"], row["total_investment"], row["projects_without_investment"])
        for row in body["stages"]
    }
    assert counts == {
        "lead": (1, "300000000.00", 0),  # P7 3亿
        "negotiating": (0, "0.00", 0),
        "signed": (1, "0.00", 1),  # P3, amount unknown
        "construction": (2, "1700000000.00", 0),  # P4 5亿 + P6 12亿
        "completed": (0, "0.00", 0),
        "production": (2, "2180000000.00", 0),  # P1 20亿 + P2 1.8亿
        "full_production": (0, "0.00", 0),
        "stalled": (0, "0.00", 0),
        "dropped": (1, "80000000.00", 0),  # P5 0.8亿
    }
    # 3亿 + 17亿 + 21.8亿 + 0.8亿 = 42.6亿 over 7 projects, one without an amount
    assert body["totals"] == {"projects": 7, "total_investment": "4260000000.00", "projects_without_investment": 1}
    assert stage(body, "construction")["label"] == "开工"


def test_the_median_days_in_a_stage_come_from_the_stays_that_ended(api, world):
    body = get(api, "stats/pipeline/")
    medians = {row["stage"]: (row["stays"], row["median_days"]) for row in body["stages"]}
    assert medians["lead"] == (1, "61.0")
    assert medians["negotiating"] == (5, "172.0")  # 105, 131, [172], 220, 293
    assert medians["signed"] == (5, "108.0")  # 63, 101, [108], 153, 195
    assert medians["construction"] == (2, "303.5")  # (243 + 364) / 2
    assert medians["completed"] == (1, "63.0")
    assert medians["production"] == medians["full_production"] == medians["dropped"] == (0, None)


def test_the_current_median_is_the_time_the_projects_now_in_a_stage_have_spent_there(api, world):
    body = get(api, "stats/pipeline/")
    current = {row["stage"]: row["median_days_current"] for row in body["stages"]}
    assert current["lead"] == "726.0"
    assert current["signed"] == "406.0"
    assert current["construction"] == "502.0"  # (305 + 699) / 2
    assert current["production"] == "136.5"  # (121 + 152) / 2
    assert current["negotiating"] is None


def test_projects_in_a_stage_for_longer_than_the_threshold_are_stalled(api, world):
    body = get(api, "stats/pipeline/")
    # more than 180 days, not at full production or dropped, the longest first
    assert body["stalled_days"] == 180
    assert body["stalled_count"] == 4
    assert [(p["name"], p["stage"], p["since"], p["days"]) for p in body["stalled"]] == [
        ("意向项目", "lead", "2024-01-05", 726),
        ("老项目", "construction", "2024-02-01", 699),
        ("合成生物基地", "signed", "2024-11-20", 406),
        ("保密项目", "construction", "2025-03-01", 305),
    ]
    # P5 was dropped 447 days ago: never stalled
    longer = get(api, "stats/pipeline/", stalled_days=400)
    assert [p["name"] for p in longer["stalled"]] == ["意向项目", "老项目", "合成生物基地"]


def test_the_stalled_list_is_capped_but_the_count_and_the_spreadsheet_are_whole(api, world):
    # A decade-old pipeline has thousands of stalled projects: the JSON names the longest stalled.
    capped = get(api, "stats/pipeline/", stalled_limit=2)
    assert capped["stalled_count"] == 4
    assert [p["name"] for p in capped["stalled"]] == ["意向项目", "老项目"]
    assert len(get(api, "stats/pipeline/")["stalled"]) == 4  # under the default cap of 100
    book, _ = workbook(api, "stats/pipeline/", stalled_limit=1)
    assert [row[0] for row in rows(book["停滞超过180天的项目"])[1:]] == [
        "意向项目",
        "老项目",
        "合成生物基地",
        "保密项目",
    ]


def test_a_confidential_project_is_counted_and_named_only_for_those_who_may_see_it(editor_api, insider_api, world):
    outsider = get(editor_api, "stats/pipeline/")
    assert outsider["stalled_count"] == 3
    assert [p["name"] for p in outsider["stalled"]] == ["意向项目", "老项目", "合成生物基地"]
    # construction: P6 (12亿) only, P4 is left out
    assert stage(outsider, "construction")["projects"] == 1
    assert stage(outsider, "construction")["total_investment"] == "1200000000.00"
    insider = get(insider_api, "stats/pipeline/")
    assert insider["stalled_count"] == 4
    assert "保密项目" in [p["name"] for p in insider["stalled"]]
    assert stage(insider, "construction")["total_investment"] == "1700000000.00"


def test_the_project_filters_apply(api, world):
    body = get(api, "stats/pipeline/", location="武进")
    # P1, P4, P5, P6
    assert body["totals"]["projects"] == 4
    assert get(api, "stats/pipeline/", industry=world.sb.pk)["totals"]["projects"] == 2  # P2, P3
    assert get(api, "stats/pipeline/", total_investment__gte="1000000000")["totals"]["projects"] == 2  # P1, P6


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"stalled_days": "0"}, "stalled_days"),
        ({"stalled_days": "soon"}, "stalled_days"),
        ({"stalled_limit": "0"}, "stalled_limit"),
        ({"stalled_limit": "1001"}, "stalled_limit"),
        ({"stalled_limit": "all"}, "stalled_limit"),
        ({"stage": "bogus"}, "stage"),
        ({"owner": "999999"}, "owner"),
        ({"total_investment__gte": "lots"}, "total_investment__gte"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(api, world, query, field):
    response = api.get("/api/v1/stats/pipeline/", query)
    assert response.status_code == 400, response.content
    assert field in response.json()

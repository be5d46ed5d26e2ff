"""GET stats/kpis/?year=: every figure of the fixed world of conftest, worked out by hand.

2024's signed projects (first counted signing in 2024): P1 (A1, 03-15), P2 (A3, 05-20),
P3 (A4, 11-20), P4 (A5, 11-20). P5's only signing is terminated; P6 was first signed in 2023 and
its second signing A8 (2024) does not make it a 2024 project.
"""

import pytest

from tests.factories import InvestmentTargetFactory
from tests.stats.conftest import get

pytestmark = pytest.mark.django_db


def ratio(numerator, denominator, rate):
    return {"numerator": numerator, "denominator": denominator, "rate": rate}


def test_the_figures_of_a_past_year_are_counted_to_its_last_day(api, world):
    body = get(api, "stats/kpis/", year=2024)
    assert body["year"] == 2024
    assert body["as_of"] == "2024-12-31"  # today is 2025-12-31: a past year ends on 31 December
    assert body["signed_projects"] == 4
    # 20亿 + 1.8亿 + 5亿 (P3's amount is unknown)
    assert body["signed_investment"] == "2680000000.00"
    assert body["projects_without_investment"] == 1
    # ≥ 1亿: P1 (20亿), P2 (1.8亿), P4 (5亿); ≥ 10亿: P1
    assert (body["projects_over_100m"], body["projects_over_1b"]) == (3, 1)
    # target 50亿: 26.8 / 50 = 0.536
    assert (body["target"], body["target_completion_rate"]) == ("5000000000.00", "0.5360")
    # 履约率: P1 (construction 2024-07-01) and P2 (2024-12-01) by 2024-12-31; P4 only in 2025: 2 / 4
    assert body["fulfilment"] == ratio(2, 4, "0.5000")
    # 开工率: construction_start milestones due in 2024: P1, P2, P7; P1 and P2 started: 2 / 3
    assert body["construction_start"] == ratio(2, 3, "0.6667")
    # 竣工率: completion due in 2024: P6, still under construction: 0 / 1
    assert body["completion"] == ratio(0, 1, "0.0000")
    # 资金到位率: contracted P1 15亿 + P2 1亿 + P4 4亿 = 20亿; arrived by 2024-12-31: P1 5亿 → 0.25
    assert body["capital_arrival"] == {
        "arrived": "500000000.00",
        "contracted": "2000000000.00",
        "projects": 3,
        "rate": "0.2500",
    }
    # arrivals dated 2024, every project: P6 1亿 (03-01) + P1 5亿 (06-30)
    assert body["capital_arrived_in_year"] == "600000000.00"


def test_as_of_moves_the_day_everything_is_counted_to(api, world):
    body = get(api, "stats/kpis/", year=2024, as_of="2025-12-31")
    # the same four projects; P4 started construction on 2025-03-01: 3 / 4
    assert body["fulfilment"] == ratio(3, 4, "0.7500")
    # arrived: P1 5亿 + 2.5亿, P2 0.6亿, P4 1亿 = 9.1亿 of 20亿
    assert body["capital_arrival"]["arrived"] == "910000000.00"
    assert body["capital_arrival"]["rate"] == "0.4550"
    # the year's own arrivals stop at 31 December whatever as_of says
    assert body["capital_arrived_in_year"] == "600000000.00"
    # and within the year, a cut-off leaves out what came later: by 2024-06-30 only P1 and P6's money
    early = get(api, "stats/kpis/", year=2024, as_of="2024-06-30")
    # P1 (03-15) and P2 (05-20) were signed by then; P1's construction came in July: 0 / 2
    assert (early["signed_projects"], early["fulfilment"]) == (2, ratio(0, 2, "0.0000"))
    # the only start due by then is P1's (06-30), not reached until 07-01: 0 / 1
    assert early["construction_start"] == ratio(0, 1, "0.0000")


def test_a_year_without_signings_has_null_rates_not_errors(api, world):
    body = get(api, "stats/kpis/", year=2025)
    assert body["as_of"] == "2025-12-31"
    assert (body["signed_projects"], body["signed_investment"]) == (0, "0.00")
    assert body["fulfilment"] == ratio(0, 0, None)
    assert body["construction_start"] == ratio(0, 0, None)
    # P1's completion was due 2025-06-30 and reached that day: 1 / 1
    assert body["completion"] == ratio(1, 1, "1.0000")
    assert body["capital_arrival"] == {"arrived": "0.00", "contracted": "0.00", "projects": 0, "rate": None}
    assert (body["target"], body["target_completion_rate"]) == (None, None)
    # 2025's arrivals: P1 2.5亿, P2 0.6亿, P4 1亿
    assert body["capital_arrived_in_year"] == "410000000.00"


def test_the_year_defaults_to_this_one(api, world):
    assert get(api, "stats/kpis/")["year"] == 2025


def test_a_year_still_to_come_has_nothing_yet(api, world):
    body = get(api, "stats/kpis/", year=2027)
    assert (body["as_of"], body["signed_projects"], body["fulfilment"]["rate"]) == ("2027-01-01", 0, None)


def test_a_target_of_zero_gives_no_rate(api, world):
    InvestmentTargetFactory(year=2025, amount=0)
    body = get(api, "stats/kpis/", year=2025)
    assert (body["target"], body["target_completion_rate"]) == ("0.00", None)


def test_the_figures_count_a_confidential_project_only_for_those_who_may_see_it(editor_api, insider_api, api, world):
    assert get(insider_api, "stats/kpis/", year=2024) == get(api, "stats/kpis/", year=2024)
    outsider = get(editor_api, "stats/kpis/", year=2024)
    # without P4: P1, P2, P3 signed; 20亿 + 1.8亿; P1 and P2 started
    assert (outsider["signed_projects"], outsider["signed_investment"]) == (3, "2180000000.00")
    assert outsider["fulfilment"] == ratio(2, 3, "0.6667")
    # 5亿 arrived of P1's 15亿 and P2's 1亿 contracted
    assert outsider["capital_arrival"]["rate"] == "0.3125"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"year": "1999"}, "year"),
        ({"year": "next"}, "year"),
        ({"as_of": "2024-02-30"}, "as_of"),
        ({"year": "2024", "as_of": "2023-12-31"}, "as_of"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(api, world, query, field):
    response = api.get("/api/v1/stats/kpis/", query)
    assert response.status_code == 400, response.content
    assert field in response.json()

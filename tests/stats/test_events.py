"""GET stats/events/{meeting_id}/: what a conference's signings became after 6, 12 and 24 months.

Today is 2025-12-31.
conf1 (2024-03-15): A1 (P1, 15亿), A8 (P6, 2亿; P6 was first signed in 2023), A9 (no project).
  Its projects: P1 only. P1: construction 2024-07-01, production 2025-09-01; contracted 15亿;
  arrived 5亿 on 2024-06-30 and 2.5亿 on 2025-01-15.
conf2 (2024-11-20): A2 (P1 again, 3亿), A4 (P3, no amount), A5 (P4, confidential, 5亿).
  Its projects: P3 and P4 (P1 belongs to conf1). P4: construction 2025-03-01, contracted 4亿,
  arrived 1亿 on 2025-04-01.
"""

import pytest

from tests.stats.conftest import get

pytestmark = pytest.mark.django_db


def outcome(checkpoint) -> tuple:
    return (
        checkpoint["date"],
        checkpoint["started_construction"],
        checkpoint["in_production"],
        checkpoint["capital_arrived"],
        checkpoint["capital_arrival_rate"],
    )


def test_it_follows_a_conferences_projects_at_each_checkpoint(api, world):
    body = get(api, f"stats/events/{world.conf1.pk}/")
    assert body["meeting"]["title"] == "推介会A"
    assert body["meeting"]["date"] == "2024-03-15"
    # 15亿 + 2亿 (A9 has no amount)
    assert (body["agreements"], body["amount"]) == (3, "1700000000.00")
    # P1 only: P6's signing here was its second
    assert (body["projects"], body["total_investment"], body["contracted_investment"]) == (
        1,
        "2000000000.00",
        "1500000000.00",
    )
    six, twelve, twenty_four = body["checkpoints"]
    assert [c["months"] for c in body["checkpoints"]] == [6, 12, 24]
    # 2024-09-15: P1 started (07-01); 5亿 arrived of 15亿 contracted
    assert outcome(six) == ("2024-09-15", 1, 0, "500000000.00", "0.3333")
    # 2025-03-15: 5亿 + 2.5亿 = 7.5亿 → 0.5; production only in September
    assert outcome(twelve) == ("2025-03-15", 1, 0, "750000000.00", "0.5000")
    # 2026-03-15 is still to come: no figures
    assert twenty_four["reached"] is False
    assert outcome(twenty_four) == ("2026-03-15", None, None, None, None)
    assert outcome(body["current"]) == ("2025-12-31", 1, 1, "750000000.00", "0.5000")
    assert [p["name"] for p in body["project_list"]] == ["光伏组件"]
    assert body["project_list"][0]["construction_on"] == "2024-07-01"
    assert body["project_list"][0]["production_on"] == "2025-09-01"
    assert body["project_list"][0]["signed_on"] == "2024-03-15"
    assert {a["title"] for a in body["agreement_list"]} == {world.a1.title, world.a8.title, "战略合作协议"}


def test_a_confidential_project_counts_only_for_those_who_may_see_it(api, editor_api, insider_api, world):
    outsider = get(editor_api, f"stats/events/{world.conf2.pk}/")
    # P3 only (its total unknown); A2 (3亿) and A4 (no amount)
    assert (outsider["agreements"], outsider["amount"]) == (2, "300000000.00")
    assert (outsider["projects"], outsider["total_investment"], outsider["contracted_investment"]) == (
        1,
        "0.00",
        "0.00",
    )
    six, twelve, _ = outsider["checkpoints"]
    # P3 never started, nothing arrived, no contracted investment: no rate
    assert outcome(six) == ("2025-05-20", 0, 0, "0.00", None)
    assert outcome(twelve) == ("2025-11-20", 0, 0, "0.00", None)
    assert [p["name"] for p in outsider["project_list"]] == ["合成生物基地"]
    assert {a["title"] for a in outsider["agreement_list"]} == {world.a2.title, world.a4.title}
    # those who may see P4 count it, and see it named first (the larger)
    for client in (api, insider_api):
        body = get(client, f"stats/events/{world.conf2.pk}/")
        # P3 and P4: 5亿 total, 3亿 + 5亿 of agreements
        assert (body["projects"], body["total_investment"], body["amount"]) == (2, "500000000.00", "800000000.00")
        six, twelve, _ = body["checkpoints"]
        # 2025-05-20: P4 started (03-01) and 1亿 of its 4亿 arrived (04-01)
        assert outcome(six) == ("2025-05-20", 1, 0, "100000000.00", "0.2500")
        assert outcome(twelve) == ("2025-11-20", 1, 0, "100000000.00", "0.2500")
        assert [p["name"] for p in body["project_list"]] == ["保密项目", "合成生物基地"]
        assert "保密项目投资协议" in {a["title"] for a in body["agreement_list"]}


def test_a_meeting_without_signings_has_zeros(api, world):
    from tests.factories import MeetingFactory

    meeting = MeetingFactory(title="座谈")
    body = get(api, f"stats/events/{meeting.pk}/")
    assert (body["agreements"], body["projects"], body["amount"]) == (0, 0, "0.00")
    assert body["current"]["capital_arrival_rate"] is None


def test_an_unknown_meeting_is_a_404(api, world):
    assert api.get("/api/v1/stats/events/999999/").status_code == 404

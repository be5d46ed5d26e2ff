"""The building blocks of docs/stats.md, and the plain functions the admin dashboard calls."""

import datetime as dt
import random
import statistics
from collections import Counter
from decimal import Decimal

import pytest

from crm import services
from crm.models import Project
from crm.models.choices import STAGE_ORDER, ProjectStage
from crm.reports.stats import StatsInputError, kpis, pipeline_stats, signed_stats
from crm.reports.stats.common import add_months, median_days, rate, reached_on
from tests.factories import ProjectFactory, ProjectStageChangeFactory
from tests.stats.conftest import day, project, signing

D = dt.date


def replayed(moves, stage, until):
    """The rule of docs/stats.md, replayed move by move: the reference the SQL must agree with."""
    reached = None
    for to_stage, changed_on, is_correction in moves:
        if changed_on > until:
            break
        if to_stage not in STAGE_ORDER:
            continue  # stalled, dropped
        if STAGE_ORDER.index(to_stage) >= STAGE_ORDER.index(stage):
            reached = reached or changed_on
        elif is_correction:
            reached = None
    return reached


def with_history(moves):
    made = ProjectFactory()
    for to_stage, changed_on, is_correction in moves:
        ProjectStageChangeFactory(project=made, to_stage=to_stage, changed_on=changed_on, is_correction=is_correction)
    return made


FAR = D(2099, 1, 1)


def reached(made, stage, until=FAR):
    return Project.objects.annotate(on=reached_on(stage, until)).get(pk=made.pk).on


@pytest.mark.django_db
def test_a_project_reaches_a_stage_with_its_first_move_to_it_or_beyond():
    made = with_history([("signed", D(2024, 1, 1), False), ("completed", D(2024, 5, 1), False)])
    # jumping from signed to completed passes construction
    assert reached(made, "construction") == D(2024, 5, 1)
    assert reached(made, "construction", until=D(2024, 4, 30)) is None
    assert reached(made, "production") is None
    assert reached(made, "signed", until=D(2024, 1, 1)) == D(2024, 1, 1)


@pytest.mark.django_db
def test_stalling_or_dropping_does_not_undo_a_stage_reached():
    made = with_history(
        [("construction", D(2024, 1, 1), False), ("stalled", D(2024, 3, 1), False), ("dropped", D(2024, 6, 1), False)]
    )
    assert reached(made, "construction") == D(2024, 1, 1)


@pytest.mark.django_db
def test_a_managers_correction_undoes_the_move_it_corrects():
    moves = [
        ("signed", D(2024, 1, 1), False),
        ("construction", D(2024, 2, 1), False),  # recorded by mistake
        ("signed", D(2024, 2, 3), True),  # corrected back by a manager
    ]
    made = with_history(moves)
    assert reached(made, "construction") is None
    assert reached(made, "construction", until=D(2024, 2, 2)) == D(2024, 2, 1)
    ProjectStageChangeFactory(project=made, to_stage="construction", changed_on=D(2024, 9, 1))
    assert reached(made, "construction") == D(2024, 9, 1)


@pytest.mark.django_db
def test_moves_of_one_day_count_in_the_order_they_were_recorded():
    # forward and corrected back on the same day: not reached that evening
    made = with_history([("signed", D(2024, 1, 1), False), ("construction", D(2024, 2, 1), False)])
    ProjectStageChangeFactory(project=made, to_stage="signed", changed_on=D(2024, 2, 1), is_correction=True)
    assert reached(made, "construction") is None
    ProjectStageChangeFactory(project=made, to_stage="construction", changed_on=D(2024, 2, 1))
    assert reached(made, "construction") == D(2024, 2, 1)


@pytest.mark.django_db
def test_the_database_agrees_with_the_replay_of_random_histories():
    rng = random.Random(19)
    histories = {}
    for _ in range(60):
        day, moves = D(2023, 1, 1), []
        for _ in range(rng.randint(0, 7)):
            day += dt.timedelta(days=rng.choice([0, 0, 1, 30, 90]))
            moves.append((rng.choice(ProjectStage.values), day, rng.random() < 0.3))
        histories[with_history(moves).pk] = moves
    for stage in STAGE_ORDER:
        for until in (D(2023, 1, 1), D(2023, 3, 1), D(2023, 9, 1), FAR):
            found = dict(
                Project.objects.filter(pk__in=histories).annotate(on=reached_on(stage, until)).values_list("pk", "on")
            )
            assert found == {pk: replayed(moves, stage, until) for pk, moves in histories.items()}, (stage, until)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2024, 3, 15), 6, D(2024, 9, 15)),
        (D(2024, 8, 31), 6, D(2025, 2, 28)),
        (D(2023, 8, 31), 6, D(2024, 2, 29)),
        (D(2024, 11, 20), 24, D(2026, 11, 20)),
    ],
)
def test_months_are_added_on_the_calendar(start, months, expected):
    assert add_months(start, months) == expected


def test_rates_have_four_places_rounded_half_up_and_none_without_a_denominator():
    assert rate(2, 3) == Decimal("0.6667")
    assert rate(1, 8) == Decimal("0.1250")
    assert rate(Decimal("1.00005"), 1) == Decimal("1.0001")
    assert rate(5, 0) is None
    assert rate(0, None) is None


def test_a_median_of_an_even_count_is_the_mean_of_the_middle_two():
    assert median_days([(243, 1), (364, 1)]) == Decimal("303.5")
    assert median_days([]) is None


def test_a_median_is_read_from_how_many_share_each_day():
    # 10, 10, 10, 40, 90: the third of five
    assert median_days([(10, 3), (40, 1), (90, 1)]) == Decimal("10.0")
    # 10, 10, 40, 90, 90, 90: between the third and the fourth
    assert median_days([(10, 2), (40, 1), (90, 3)]) == Decimal("65.0")
    # the middle two fall on one day
    assert median_days([(1, 1), (7, 4), (30, 1)]) == Decimal("7.0")
    assert median_days([(5, 1)]) == Decimal("5.0")
    for days in ([3, 1, 4, 1, 5, 9, 2, 6], [2, 7, 1, 8, 2, 8, 1, 8, 2], list(range(100)) + [7] * 31):
        counted = sorted(Counter(days).items())
        assert median_days(counted) == Decimal(str(statistics.median(days))).quantize(Decimal("0.1"))


@pytest.mark.django_db
def test_sums_are_exact_where_floats_would_drift(api):
    # 0.1 + 0.2 is not 0.3 in floating point; fen amounts must add up exactly
    for amount in ("0.10", "0.20", "12345678901.01"):
        made = ProjectFactory(total_investment=Decimal(amount), stage="lead")
        services.project_change_stage(project=made, to_stage="signed", user=None, changed_on=day("2024-01-01"))
        signing(made, None, "2024-01-01", amount)
    body = api.get("/api/v1/stats/signed/").json()
    assert body["totals"]["amount"] == "12345678901.31"
    assert body["totals"]["total_investment"] == "12345678901.31"


@pytest.mark.django_db
def test_the_dashboard_calls_the_same_functions_with_a_dict_of_filters(world, manager, editor):
    result = signed_stats(
        user=manager,
        params={"signed_on__gte": dt.date(2024, 1, 1), "signed_on__lte": "2024-12-31", "stage": ["production"]},
        group_by="location",
    )
    # P1 and P2 (production): A1 15亿 + A2 3亿 + A3 1.5亿
    assert result["totals"]["amount"] == Decimal("1950000000.00")
    assert [group["label"] for group in result["groups"]] == ["武进", "常州高新区"]
    # an editor outside the confidential P4's team: P7, P6 and P3 stalled; P1 and P2 of P1-P3 started
    assert pipeline_stats(user=editor)["stalled_count"] == 3
    assert kpis(user=editor, year=2024)["fulfilment"]["rate"] == Decimal("0.6667")
    with pytest.raises(StatsInputError) as refused:
        signed_stats(user=manager, params={"stage": ["bogus"]})
    assert "stage" in refused.value.errors
    with pytest.raises(StatsInputError):
        kpis(user=manager, year=1900)


@pytest.mark.django_db
def test_a_project_signed_without_an_agreement_is_not_a_signing(api):
    # recorded at 签约 without an agreement: the stage alone does not make it a signed project
    project("只有阶段的项目", history=[("negotiating", "2024-01-01"), ("signed", "2024-02-01")], total_investment=10**8)
    assert api.get("/api/v1/stats/kpis/?year=2024").json()["signed_projects"] == 0


def test_the_pipeline_without_medians_has_the_same_counts_and_sums(world, manager):
    """The dashboard asks for the counts and amounts only: the same figures, no days read."""
    full = pipeline_stats(user=manager, stalled_limit=0)
    light = pipeline_stats(user=manager, stalled_limit=0, medians=False)
    assert light["totals"] == full["totals"] and light["stalled_count"] == full["stalled_count"]
    figures = ("stage", "projects", "total_investment", "projects_without_investment")
    assert [{k: row[k] for k in figures} for row in light["stages"]] == [
        {k: row[k] for k in figures} for row in full["stages"]
    ]
    assert any(row["stays"] for row in full["stages"])
    assert all(row["stays"] is None and row["median_days"] is None for row in light["stages"])
    assert all(row["median_days_current"] is None for row in light["stages"])
    assert light["stalled"] == []


@pytest.mark.django_db
def test_a_report_plans_its_statements_for_their_values_and_restores_the_setting():
    """On PostgreSQL a prepared statement moves to a generic plan after five runs; a report's
    statements are planned for their values while it runs, and the connection is as before after."""
    from django.db import connection

    from crm.reports.stats.common import planned_for_their_values

    def plan_mode():
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute("SHOW plan_cache_mode")
            return cursor.fetchone()[0]

    before = plan_mode()
    assert planned_for_their_values(plan_mode)() == ("force_custom_plan" if connection.vendor == "postgresql" else None)
    assert plan_mode() == before

    def failing():
        raise StatsInputError({"year": ["bad"]})

    with pytest.raises(StatsInputError):
        planned_for_their_values(failing)()
    assert plan_mode() == before

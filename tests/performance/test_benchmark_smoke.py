"""The benchmark (``python -m perf.bench``) at scale 1, a few rounds: gross regressions only.

Never absolute milliseconds (the machine is shared): the query budget of every list, and each
list at most 10× its raw-SQL floor measured in the same run (medians of interleaved rounds), on
top of the fixed cost of a trivial authenticated request measured in the same rounds.
"""

import pytest
from django.core.management import call_command
from django.db import connection

from crm.api.urls import router
from perf.bench.run import run

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

QUERY_BUDGET = 3  # the token with its user and roles, the page with its count, many-to-many ids
GROSS_RATIO = 10.0  # net of the fixed request cost; see docs/performance.md "CI"
REPORTS = {
    "signed by month", "signed by industry", "pipeline", "KPIs", "event outcomes", "timeline", "briefing", "dashboard",
}  # fmt: skip
KNOWN_LISTS = {
    "users", "industries", "companies", "contacts", "trips", "meetings", "requests", "agreements", "projects",
    "capital-arrivals", "milestones", "tasks", "reminders", "targets", "webhooks",
}  # fmt: skip


@pytest.fixture(scope="module")
def report(django_db_blocker, django_db_setup):
    with django_db_blocker.unblock():
        call_command("generate_data", scale=1, verbosity=0)
        try:
            yield run(rounds=11, do_import=False, do_throughput=False, do_sweep=True, log=lambda *a: None)
        finally:
            call_command("flush", interactive=False, verbosity=0)


def test_it_measures_every_list_of_the_router_and_every_report(report):
    names = {e.name for e in report.endpoints}
    assert {prefix for prefix, _, _ in router.registry} <= names
    assert REPORTS == {r.name for r in report.reports}
    for endpoint in [*report.endpoints, *report.reports]:
        assert endpoint.note.startswith("HTTP") is False, f"{endpoint.url}: {endpoint.note}"
        assert len(endpoint.api) >= 3, endpoint.url
    if connection.vendor == "postgresql":
        assert all(len(r.floor) == len(r.api) for r in report.reports)


def test_every_list_stays_within_its_query_budget_on_page_1_and_deep(report):
    over = {
        e.url: (e.queries, e.queries_deep) for e in report.endpoints if max(e.queries, e.queries_deep) > QUERY_BUDGET
    }
    assert not over, over


def test_deep_pages_were_measured_where_the_data_has_them(report):
    deep = {e.name: e.deep_page for e in report.endpoints if e.deep_page > 1}
    # Scale 1: 10,000 milestones, 5,000 tasks, 1,000 projects at 50 a page.
    assert deep["milestones"] == 199 and deep["tasks"] == 99 and deep["projects"] == 19, deep
    for endpoint in report.endpoints:
        if endpoint.deep_page > 1:
            assert len(endpoint.api_deep) == len(endpoint.api), endpoint.url


def test_every_list_is_within_10x_of_its_raw_sql_floor_with_the_same_json(report):
    if connection.vendor != "postgresql":
        # The floors are PostgreSQL SQL: on SQLite the run has none, and says so.
        assert all(e.floor == [] and e.ratio is None for e in report.endpoints)
        return
    floors = {e.name for e in report.endpoints if e.floor}
    assert KNOWN_LISTS <= floors, KNOWN_LISTS - floors
    for endpoint in report.endpoints:
        if not endpoint.floor:
            continue
        assert endpoint.same_json, f"{endpoint.url}: {endpoint.note}"
        # On top of the fixed cost of any request (auth/me/), which dominates at this scale and
        # swells on a loaded machine: a 10× list is a regression of the list, not of the machine.
        net = report.net_ratio(endpoint)
        assert net <= GROSS_RATIO, f"{endpoint.url}: {net:.1f}× the floor (plain ratio {endpoint.ratio:.1f}×)"


def test_the_reminder_sweep_was_measured_at_a_steady_state(report):
    sweep = report.sweep
    assert sweep["milestones"] == 10_000
    assert sweep["median"] > 0
    # 5 when nothing changed (docs/performance.md); more is a regression, however fast.
    assert sweep["queries"] <= 6, sweep


def test_the_throughput_runs_raw_sql_view_answers_what_the_api_answers(settings, manager):
    """``bench/floor/<list>/`` (perf/bench/urls.py), which the throughput run loads against the
    API: every floor is of a list of the router, and on PostgreSQL the view answers the API's JSON."""
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from perf.bench.floors import FLOORS
    from tests.factories import MilestoneFactory, ProjectFactory

    # A floor for a list that is gone would measure nothing; a new list may come without one
    # (the run measures it and says it has no floor).
    assert set(FLOORS) <= {prefix for prefix, _viewset, _basename in router.registry}
    if connection.vendor != "postgresql":
        return  # the floors are PostgreSQL SQL; the rest needs a PostgreSQL server
    MilestoneFactory.create_batch(60, project=ProjectFactory())
    ProjectFactory.create_batch(59)
    settings.ROOT_URLCONF = "perf.bench.urls"
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=manager).key}")
    try:
        for name in ("milestones", "projects"):
            floor = client.get(f"/bench/floor/{name}/", {"page": 2})
            api = client.get(f"/api/v1/{name}/", {"page": 2})
            assert floor.status_code == api.status_code == 200, (floor.content[:200], api.content[:200])
            assert floor.json() == api.json()
    finally:  # the view's own connection, so that the test database can be dropped
        from perf.bench import urls

        urls._connection().close()
        urls._connection.cache_clear()

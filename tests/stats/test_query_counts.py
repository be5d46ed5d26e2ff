"""The queries of each stats, timeline and briefing request do not grow with the rows.

Every round of ``grow`` adds, on a day of its own, a project (confidential one time in three) of
a new owner in two industries, its stage changes, two signings (the first at the conference),
a capital arrival, two milestones, and a meeting, a request and a task of the partner: the rows
each report reads. The requests are made by an editor, so the confidentiality subqueries run.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    CapitalArrivalFactory,
    CompanyFactory,
    ContactFactory,
    IndustryFactory,
    MeetingFactory,
    MilestoneFactory,
    PartnerRequestFactory,
    TaskFactory,
    UserFactory,
)
from tests.stats.conftest import project, signing

pytestmark = pytest.mark.django_db

START = dt.date(2024, 1, 1)


@pytest.fixture
def place(db):
    parent = IndustryFactory(name="新能源", code="ne")
    partner = CompanyFactory(name="光伏集团")
    CompanyFactory(name="光伏集团常州公司", parent=partner)
    conference = MeetingFactory(title="推介会", kind="promotion_event")
    return {
        "industries": [IndustryFactory(parent=parent), IndustryFactory()],
        "partner": partner,
        "conference": conference,
        "person": ContactFactory(company=partner),
        "rounds": 0,
    }


def grow(place, n):
    """Add ``n`` rounds of rows (see the module's docstring)."""
    for i in range(place["rounds"], place["rounds"] + n):
        on = START + dt.timedelta(days=i)
        text = on.isoformat()
        made = project(
            f"项目{i}",
            company=place["partner"],
            industries=place["industries"],
            location=f"园区{i % 3}",
            owner=UserFactory(role="editor"),
            is_confidential=i % 3 == 0,
            total_investment=Decimal(i + 1) * 10**8,
            contracted_investment=Decimal(i + 1) * 10**7,
            history=[("negotiating", text), ("signed", text), ("construction", text)],
        )
        signing(made, place["conference"], text, "1000000.00")
        signing(made, None, text, "2000000.00")
        CapitalArrivalFactory(project=made, arrived_on=on)
        MilestoneFactory(project=made, kind="construction_start", due_on=on, done_on=on)
        MilestoneFactory(project=made, kind="completion", due_on=on)
        meeting = MeetingFactory(starts_at=dt.datetime.combine(on, dt.time(10), tzinfo=dt.UTC))
        meeting.companies.set([place["partner"]])
        meeting.attendees.set([place["person"], ContactFactory()])
        PartnerRequestFactory(company=place["partner"], raised_on=on, due_on=on)
        TaskFactory(company=place["partner"], project=made, due_on=on)
    place["rounds"] += n


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries)


# The queries of each request, for an editor with a token. Every request begins with
#   1. the token, its user and the user's roles (one query).
# A filter naming a record (?meeting=, ?industry= ...) adds the query that checks it; none here.
BUDGETS = {
    # 2. the signings summed by the database, by group and in all (first signings apart);
    # 3. the largest projects the user may see.
    "stats/signed/?group_by=month": 3,
    "stats/signed/?group_by=quarter": 3,
    "stats/signed/?group_by=location": 3,
    "stats/signed/?group_by=month&format=xlsx": 3,
    # and the groups' labels: the meetings' titles, the users' names, the industries' names
    # (top_industry: and the industry tree).
    "stats/signed/?group_by=meeting": 4,
    "stats/signed/?group_by=owner": 4,
    "stats/signed/?group_by=industry": 4,
    "stats/signed/?group_by=top_industry": 5,
    # 2. each stage's counts and sums; 3. its projects by the day they entered it; 4. the ended
    # stays by length; 5. the stalled projects the user may see.
    "stats/pipeline/": 5,
    "stats/pipeline/?format=xlsx": 5,
    # 2. the year's signed projects, summed, with how many started construction and their capital
    # arrivals; 3.-4. the projects with starts due and how many started; 5.-6. with completions
    # due and how many completed; 7. the target; 8. the arrivals of the year.
    "stats/kpis/?year=2024": 8,
    # 2. the meeting; 3. its signings; 4. their projects, summed; 5. the figures of today (and one
    # more query for each 6, 12, 24-month checkpoint passed: none yet here); 6. the project list;
    # 7. the agreement list.
    "stats/events/{conference}/": 7,
    # 2. the company; 3. the page's keys with the count of the union (?page=last counts first);
    # then one query per kind on the page: 4. meetings, 5. their attendees, 6. requests,
    # 7. agreements, 8. projects, 9. stage changes, 10. milestones, 11. tasks.
    "companies/{partner}/timeline/": 11,
    # and the company tree.
    "companies/{partner}/timeline/?include_subsidiaries=true": 12,
    # 2. the company; 3. its industries; 4. subsidiaries; 5. people met; 6. meetings;
    # 7. their attendees; 8. open requests; 9. projects; 10. agreements; 11. overdue milestones;
    # 12. overdue tasks.
    "companies/{partner}/briefing/": 12,
    "companies/{partner}/briefing/?format=html": 12,
}


def test_no_request_makes_more_queries_with_three_times_the_rows(editor_api, place):
    urls = {
        path: "/api/v1/" + path.format(conference=place["conference"].pk, partner=place["partner"].pk)
        for path in BUDGETS
    }
    grow(place, 10)
    with_10 = {path: queries(editor_api, url) for path, url in urls.items()}
    grow(place, 20)
    with_30 = {path: queries(editor_api, url) for path, url in urls.items()}
    assert with_10 == with_30, (with_10, with_30)
    assert with_30 == {path: BUDGETS[path] + on_postgresql(path) for path in BUDGETS}


def on_postgresql(path: str) -> int:
    """On PostgreSQL a stats report also sets, then resets, the planning of its statements for
    their values (common.planned_for_their_values): two statements more."""
    return 2 if connection.vendor == "postgresql" and path.startswith("stats/") else 0

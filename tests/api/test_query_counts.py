"""Every list endpoint answers in its query budget (tests/registry.py), however many rows its page holds.

Two statements, for an editor with a token:
  1. the token, its user and the user's roles (crm/api/authentication.py);
  2. the page: its rows with everything the list shows (the shape's columns, many-to-many ids
     included) and the total count (crm/api/lists/).
The rows are made rich (references, many-to-many links, confidential neighbours) so that an N+1
would show as a difference between a page of 10 and a page of 50.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models import (
    Agreement,
    CapitalArrival,
    Company,
    InvestmentTarget,
    Meeting,
    Milestone,
    PartnerRequest,
    Project,
    ProjectStageChange,
    Reminder,
    Task,
    Trip,
)
from crm.models.targets import FIRST_YEAR
from tests.api.base import API
from tests.factories import (
    AgreementFactory,
    CompanyFactory,
    ContactFactory,
    IndustryFactory,
    MeetingFactory,
    ProjectFactory,
    TripFactory,
    UserFactory,
)
from tests.registry import RESOURCES

pytestmark = pytest.mark.django_db

DAY = dt.date(2024, 10, 22)
NOW = timezone.now()


def bulk(model, n, **fields):
    """``n`` rows made at once: no signals, no history, only what the list reads."""
    return model.objects.bulk_create([model(**fields) for _ in range(n)])


def link(m2m, rows, targets):
    """Link every row to every target through the many-to-many ``m2m`` (e.g. ``Company.industries``)."""
    through = m2m.through
    source, target = m2m.field.m2m_field_name(), m2m.field.m2m_reverse_field_name()
    through.objects.bulk_create(
        [through(**{f"{source}_id": row.pk, f"{target}_id": other.pk}) for row in rows for other in targets]
    )


def users(n, world):
    for i in range(n):
        UserFactory(role=("viewer", "editor", "manager")[i % 3])


def companies(n, world):
    rows = bulk(Company, n, name="企业", parent=world["company"], owner=world["user"])
    link(Company.industries, rows, [world["industry"], world["other_industry"]])


def trips(n, world):
    rows = bulk(
        Trip,
        n,
        title="出访",
        destination="深圳",
        start_date=DAY,
        end_date=DAY,
        leader=world["contact"],
        owner=world["user"],
    )
    link(Trip.members, rows, [world["contact"], world["other_contact"]])


def meetings(n, world):
    rows = bulk(Meeting, n, title="座谈", starts_at=NOW, trip=world["trip"], owner=world["user"])
    link(Meeting.companies, rows, [world["company"], world["other_company"]])
    link(Meeting.attendees, rows, [world["contact"]])


def requests(n, world):
    bulk(
        PartnerRequest,
        n,
        company=world["company"],
        meeting=world["meeting"],
        assignee=world["user"],
        raised_on=DAY,
        description="诉求",
    )


def agreements(n, world):
    rows = bulk(Agreement, n, title="协议", project=world["project"], meeting=world["meeting"])
    link(Agreement.companies, rows, [world["company"], world["other_company"]])


def projects(n, world):
    rows = bulk(Project, n, name="项目", company=world["company"], owner=world["user"], is_confidential=True)
    link(Project.industries, rows, [world["industry"]])
    link(Project.team, rows, [world["user"], world["other_user"]])  # the editor sees them through the team
    CapitalArrival.objects.bulk_create([CapitalArrival(project=row, amount=1, arrived_on=DAY) for row in rows])


def capital_arrivals(n, world):
    bulk(CapitalArrival, n, project=world["project"], amount=1, arrived_on=DAY)


def milestones(n, world):
    bulk(Milestone, n, project=world["project"], assignee=world["user"], title="节点", due_on=DAY)


def tasks(n, world):
    bulk(
        Task,
        n,
        title="事项",
        assignee=world["user"],
        company=world["company"],
        meeting=world["meeting"],
        project=world["project"],
        agreement=world["agreement"],
    )


def reminders(n, world):
    items = bulk(Task, n, title="事项", assignee=world["user"])  # an editor sees their own, about items they see
    Reminder.objects.bulk_create(
        Reminder(
            subject="task", object_id=item.pk, occurrence=f"{item.pk}:before", recipient=world["user"],
            reason="before", title="跟进", due_on=DAY, scheduled_for=NOW, next_attempt_at=NOW,
        )
        for item in items
    )  # fmt: skip


def targets(n, world):
    first = FIRST_YEAR + InvestmentTarget.objects.count()
    InvestmentTarget.objects.bulk_create(InvestmentTarget(year=first + i, amount=1) for i in range(n))


def stage_changes(n, world):
    project = world["project"]
    bulk(ProjectStageChange, n, project=project, from_stage="lead", to_stage="negotiating", changed_on=DAY)
    return f"projects/{project.pk}/stage-history"


LISTS = {
    "users": users,
    "companies": companies,
    "trips": trips,
    "meetings": meetings,
    "requests": requests,
    "agreements": agreements,
    "projects": projects,
    "capital-arrivals": capital_arrivals,
    "milestones": milestones,
    "tasks": tasks,
    "reminders": reminders,
    "targets": targets,
    "stage-history": stage_changes,
}


@pytest.fixture
def world(editor):
    company = CompanyFactory()
    secret = ProjectFactory(company=company, is_confidential=True)  # visibility rules in every page
    AgreementFactory(project=secret)
    project = ProjectFactory(company=company)
    return {
        "user": editor,
        "other_user": UserFactory(),
        "company": company,
        "other_company": CompanyFactory(),
        "contact": ContactFactory(company=company),
        "other_contact": ContactFactory(company=company),
        "industry": IndustryFactory(),
        "other_industry": IndustryFactory(),
        "trip": TripFactory(),
        "meeting": MeetingFactory(),
        "project": project,
        "agreement": AgreementFactory(project=project),
    }


def queries_for_a_page(editor_api, build, world, rows):
    path = build(rows, world) or None
    url = f"{API}{path or build.__name__.replace('_', '-')}/"
    with CaptureQueriesContext(connection) as queries:
        response = editor_api.get(url, {"page_size": 50})
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) >= min(rows, 50)
    return len(queries), [q["sql"] for q in queries.captured_queries]


def by_factory(endpoint):
    """Rows of a resource that has no builder of its own above: made by its factory."""

    def build(n, world):
        RESOURCES[endpoint].factory.create_batch(n)

    build.__name__ = endpoint.replace("-", "_")
    return build


# Every resource editors may read: by its builder above, or by its factory (tests/registry.py).
BUDGETED = {
    **{endpoint: by_factory(endpoint) for endpoint, r in RESOURCES.items() if not r.managers_only},
    **LISTS,
}


@pytest.mark.parametrize("endpoint", list(BUDGETED))
def test_a_list_keeps_to_its_budget_for_10_rows_and_for_50(editor_api, world, endpoint):
    build = BUDGETED[endpoint]
    few, few_sql = queries_for_a_page(editor_api, build, world, 10)
    many, many_sql = queries_for_a_page(editor_api, build, world, 40)  # 50 rows now
    # Expected: token+user+roles, then the page with its rows, count and many-to-many ids.
    # A nested list (a project's stage history) reads its record first: one more.
    budget = RESOURCES[endpoint].queries if endpoint in RESOURCES else 3
    assert few == many, "\n".join(many_sql)
    assert many <= budget <= 3, "\n".join(many_sql)


HISTORIES = {
    "companies": lambda world: CompanyFactory(),  # with a many-to-many field (industries)
    "projects": lambda world: ProjectFactory(),  # two (industries, team) and the visibility rules
    "contacts": lambda world: ContactFactory(),  # none
}


def change_many_times(record, times):
    for i in range(times):
        if i % 5 == 0 and hasattr(record, "industries"):
            record.industries.add(IndustryFactory())
        record.save()


@pytest.mark.parametrize("endpoint", list(HISTORIES))
def test_a_history_costs_at_most_three_queries_for_10_entries_and_for_50(editor_api, world, endpoint):
    record = HISTORIES[endpoint](world)
    url = f"{API}{endpoint}/{record.pk}/history/"
    counts = []
    for times in (10, 40):
        change_many_times(record, times)
        with CaptureQueriesContext(connection) as queries:
            response = editor_api.get(url, {"page_size": 50})
        assert response.status_code == 200, response.content
        assert len(response.json()["results"]) >= 10
        counts.append(len(queries))
    # Expected: token+user+roles; the page with its count, the record's visibility and the entry
    # before the page; the many-to-many ids of every entry (for resources that have any).
    assert counts[0] == counts[1], "\n".join(q["sql"] for q in queries.captured_queries)
    assert counts[1] <= 3, "\n".join(q["sql"] for q in queries.captured_queries)

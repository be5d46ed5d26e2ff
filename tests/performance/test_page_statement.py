"""A plain page's statement is compiled once per process and kept (crm/api/pagination.py).

What it promises: the kept statement of a manager's unfiltered page is the one the ORM would
compile for any user who sees everything, at any time, in either language; the rows are read anew
on every request; filtered pages and pages with a visibility condition are never kept. The tests
run with ``CHECK_CACHED_STATEMENTS`` on (tests/conftest.py), which compiles a kept statement again
on each use and compares; the first tests here turn it off to see the cache work as in production.
"""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.db.models import DecimalField, Value
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.api import pagination
from crm.api.endpoints import projects
from crm.api.urls import router
from crm.models import Milestone, Project
from tests.conftest import client_for
from tests.factories import MilestoneFactory, ProjectFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

LISTS = [basename for _prefix, _viewset, basename in router.registry]


@pytest.fixture(autouse=True)
def nothing_kept():
    pagination.PageStatement._kept.clear()
    yield
    pagination.PageStatement._kept.clear()


@pytest.fixture
def production(settings):
    settings.CHECK_CACHED_STATEMENTS = False


@pytest.fixture
def rows(manager):
    project = ProjectFactory(owner=manager)
    for day in range(3):
        MilestoneFactory(project=project, due_on=dt.date(2025, 1, 1 + day))
    TaskFactory(project=project)
    return project


@pytest.mark.parametrize("basename", LISTS)
def test_a_plain_page_is_compiled_once_then_only_executed(basename, rows, api, compiles, production):
    url = reverse(f"{basename}-list")
    with CaptureQueriesContext(connection) as compiled_queries:
        first = api.get(url)
    assert first.status_code == 200
    assert len(compiles) == 1, "the first request compiles the page"
    with CaptureQueriesContext(connection) as queries:
        again = [api.get(url) for _ in range(3)]
    assert len(compiles) == 1, "later requests run the kept statement"
    assert [response.json() for response in again] == [first.json()] * 3
    # The same statements: the token, the page (and the many-to-many ids on SQLite).
    assert [query["sql"] for query in queries.captured_queries] == [
        query["sql"] for query in compiled_queries.captured_queries
    ] * 3


def test_pages_sizes_and_orderings_are_kept_apart(rows, api, compiles, production):
    url = reverse("milestone-list")
    every = [row["id"] for row in api.get(url, {"ordering": "due_on"}).json()["results"]]
    assert [row["id"] for row in api.get(url, {"ordering": "-due_on"}).json()["results"]] == every[::-1]
    assert [row["id"] for row in api.get(url, {"ordering": "due_on", "page_size": 2}).json()["results"]] == every[:2]
    page_2 = api.get(url, {"ordering": "due_on", "page_size": 2, "page": 2}).json()
    assert [row["id"] for row in page_2["results"]] == every[2:]
    assert len(compiles) == 4
    # Asked again, each is its own kept statement.
    assert [row["id"] for row in api.get(url, {"ordering": "-due_on"}).json()["results"]] == every[::-1]
    assert [row["id"] for row in api.get(url, {"ordering": "due_on", "page_size": 2}).json()["results"]] == every[:2]
    assert len(compiles) == 4


def test_a_kept_statement_reads_the_rows_of_the_moment(rows, api, compiles, production):
    url = reverse("milestone-list")
    before = api.get(url).json()
    added = MilestoneFactory(project=rows, title="新加的里程碑")
    Milestone.objects.filter(pk=before["results"][0]["id"]).update(title="改过的标题")
    after = api.get(url).json()
    assert len(compiles) == 1
    assert after["count"] == before["count"] + 1
    titles = {row["id"]: row["title"] for row in after["results"]}
    assert titles[added.pk] == "新加的里程碑" and titles[before["results"][0]["id"]] == "改过的标题"


def test_filtered_searched_and_restricted_pages_are_not_kept(rows, api, editor_api, compiles, production):
    url = reverse("milestone-list")
    for client, params in (
        (api, {"done": "false"}),
        (api, {"search": "里程碑"}),
        (api, {"project": rows.pk}),
        (editor_api, {}),  # an editor's list carries a visibility condition
    ):
        assert client.get(url, params).status_code == 200
    assert compiles == [] and pagination.PageStatement._kept == {}


def test_past_its_limit_the_process_drops_what_it_kept(rows, api, compiles, production, monkeypatch):
    monkeypatch.setattr(pagination.PageStatement, "LIMIT", 2)
    url = reverse("milestone-list")
    pages = [api.get(url, {"page_size": 1, "page": page}).json()["results"] for page in (1, 2, 3, 1)]
    assert len(pagination.PageStatement._kept) <= 2
    assert len(compiles) == 4  # page 1 was dropped when page 3 came
    assert pages[0] == pages[3] and len({row[0]["id"] for row in pages}) == 3


@pytest.mark.parametrize("basename", LISTS)
def test_every_list_keeps_the_same_statement_for_every_user_time_and_language(basename, rows, manager):
    """The check compares each kept statement with the one compiled for the request: a manager,
    another manager, a superuser, a year later, in Chinese and English."""
    other = UserFactory(username="manager-2", role="manager")
    root = UserFactory(username="root", is_superuser=True)
    url = reverse(f"{basename}-list")
    answers = [client_for(manager).get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")]
    with time_machine.travel(dt.datetime(2027, 11, 30, 23, 59, tzinfo=dt.UTC)):
        answers.append(client_for(other).get(url, HTTP_ACCEPT_LANGUAGE="en"))
        answers.append(client_for(root).get(url))
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert len(pagination.PageStatement._kept) == 1


def test_the_check_fails_a_view_that_puts_the_user_into_a_plain_page(rows, manager, monkeypatch):
    """What the check is for: a ``get_queryset`` that writes a value of the request (here the
    user's id) into a manager's page would otherwise serve one manager's statement to another."""

    def leaky(self):
        leaked = Value(Decimal(self.request.user.pk), output_field=DecimalField(max_digits=20, decimal_places=2))
        return Project.objects.select_related("company", "owner").annotate(arrived_investment=leaked)

    monkeypatch.setattr(projects.ProjectViewSet, "get_queryset", leaky)
    url = reverse("project-list")
    assert client_for(manager).get(url).status_code == 200
    other = UserFactory(username="manager-2", role="manager")
    with pytest.raises(AssertionError, match="kept page statement differs"):
        client_for(other).get(url)

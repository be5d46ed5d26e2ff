"""``next`` and ``previous`` links name a position (``after``, ``before``): crm/api/lists/positions.py.

Following the links must give exactly the pages that the page numbers give (ties, NULLs at either
end of the ordering, both directions), every malformed position is a 400 naming the parameter,
and a page read from a position costs what page 1 costs.
"""

import base64
import datetime as dt
import json
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.api.base import API
from tests.factories import (
    AgreementFactory,
    CompanyFactory,
    InvestmentTargetFactory,
    MeetingFactory,
    MilestoneFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


def position(*values) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


@pytest.fixture
def lists(manager):
    project = ProjectFactory(owner=manager)
    ProjectFactory.create_batch(7)
    for day in (3, 1, 2, 2, 2, 5, 4, 4, 6, 1):
        MilestoneFactory(project=project, due_on=dt.date(2025, 1, day))
    for day in (None, 3, None, 1, 1, 2, None, 2, 5, None, 4):
        TaskFactory(project=project, due_on=day and dt.date(2025, 2, day))
    for day in (None, 7, 7, None, 8, 1, 7, None, 2):
        AgreementFactory(project=project, signed_on=day and dt.date(2024, 10, day), amount=Decimal("1.50"))
    for name, rank in (("乙", 3), ("甲", None), ("乙", 3), ("丙", 1), ("甲", 120), ("乙", None), ("丁", 3)):
        CompanyFactory(name=name, fortune500_rank=rank)
    for year in (2021, 2024, 2022, 2025, 2023, 2026, 2020):
        InvestmentTargetFactory(year=year, amount=Decimal("5.00"))
    started = timezone.now().replace(microsecond=654321)
    for minutes in (0, 0, 5, 10, 10, 10, 20):
        MeetingFactory(starts_at=started + dt.timedelta(minutes=minutes))
    return project


CASES = [
    ("milestones", {}),
    ("tasks", {}),  # due_on may be empty: NULLs last on PostgreSQL, first on SQLite
    ("tasks", {"ordering": "-due_on"}),
    ("agreements", {}),  # newest signed first, unsigned ones among them
    ("agreements", {"ordering": "amount"}),  # all tied: the id decides
    ("projects", {}),
    ("companies", {"ordering": "-name"}),
    ("companies", {"ordering": "fortune500_rank"}),  # a small positive integer column, NULLs
    ("companies", {"ordering": "-fortune500_rank"}),
    ("targets", {"ordering": "year"}),
    ("targets", {"ordering": "-amount"}),
    ("meetings", {}),  # datetimes with microseconds
]


def by_numbers(api, url, params, size):
    pages, number = [], 1
    while True:
        response = api.get(url, {**params, "page": number, "page_size": size})
        if response.status_code == 404:
            return pages
        pages.append(response.json())
        number += 1


@pytest.mark.parametrize(("resource", "params"), CASES)
def test_following_the_links_gives_the_pages_of_the_page_numbers(resource, params, lists, api):
    url = f"{API}{resource}/"
    expected = by_numbers(api, url, params, 3)
    assert len(expected) >= 3
    forward = [api.get(url, {**params, "page_size": 3}).json()]
    while forward[-1]["next"]:
        forward.append(api.get(forward[-1]["next"]).json())
    assert [page["results"] for page in forward] == [page["results"] for page in expected]
    assert [page["count"] for page in forward] == [page["count"] for page in expected]
    positioned = [page["next"] for page in forward[:-1]]
    assert any("after=" in link for link in positioned), positioned  # a link after a NULL has none
    backward = [forward[-1]]
    while backward[-1]["previous"]:
        backward.append(api.get(backward[-1]["previous"]).json())
    assert [page["results"] for page in backward[::-1]] == [page["results"] for page in expected]


def test_a_page_read_from_a_position_continues_after_rows_added_before_it(lists, api):
    url = f"{API}milestones/"
    first = api.get(url, {"page_size": 3}).json()
    MilestoneFactory(project=lists, due_on=dt.date(2020, 1, 1))  # sorts first
    second = api.get(first["next"]).json()
    seen = {row["id"] for row in first["results"]}
    assert not seen & {row["id"] for row in second["results"]}
    assert second["results"][0]["due_on"] >= first["results"][-1]["due_on"]


def test_a_position_made_for_another_ordering_reads_the_page_by_its_number(lists, api):
    url = f"{API}milestones/"
    elsewhere = position("-due_on", "2025-01-04", 1)
    by_number = api.get(url, {"page": 2, "page_size": 3}).json()
    assert api.get(url, {"page": 2, "page_size": 3, "after": elsewhere}).json() == by_number


def test_a_page_read_from_a_position_costs_the_statements_of_page_1(lists, api):
    url = f"{API}milestones/"
    with CaptureQueriesContext(connection) as first_page:
        page = api.get(url, {"page_size": 2}).json()
    links = []
    while page["next"]:
        links.append(page["next"])
        with CaptureQueriesContext(connection) as queries:
            page = api.get(page["next"]).json()
        assert len(queries) == len(first_page)
        # Read from the position on the index: no OFFSET walk.
        assert "OFFSET" not in queries.captured_queries[-1]["sql"].upper()
    assert len(links) >= 3


def invalid(api, url, **params):
    response = api.get(url, params)
    assert response.status_code == 400, (params, response.content)
    return response.json()


@pytest.mark.parametrize(
    "token",
    [
        "!!!",
        "bm90IGpzb24",  # "not json"
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        position(),
        position({"due_on": 1}),
        position("due_on"),
        position("due_on", "2025-01-01"),
        position("due_on", "2025-01-01", 1, 2),
        position("due_on", "2025-13-45", 1),
        position("due_on", 20250101, 1),
        position("due_on", None, 1),
        position("due_on", "2025-01-01", "1"),
        position("due_on", "2025-01-01", 1.5),
        position("due_on", "2025-01-01", True),
        position("due_on", "2025-01-01", 2**70),
        position("due_on", "9" * 5000, 1),
        "x" * 10_000,
    ],
)
def test_a_malformed_position_is_a_400_naming_it(token, lists, api):
    for name in ("after", "before"):
        body = invalid(api, f"{API}milestones/", page=2, **{name: token})
        assert list(body) == [name]


@pytest.mark.parametrize("text", ["甲\x00", "\ud800", "x" * 1001])
def test_a_text_position_the_database_cannot_hold_is_a_400_naming_it(text, lists, api):
    token = base64.urlsafe_b64encode(json.dumps(["-name", text, 1]).encode()).decode()
    for params in ({"ordering": "-name"}, {"ordering": "-name", "search": "甲"}):
        assert list(invalid(api, f"{API}companies/", page=2, after=token, **params)) == ["after"]


def test_a_position_beyond_a_small_integer_column_is_a_400(lists, api):
    url = f"{API}companies/"
    beyond = [2**63, -(2**63) - 1]
    if connection.vendor == "postgresql":  # SQLite holds any 64-bit integer in any integer column
        beyond += [-1, 2**31]
    for rank in beyond:
        body = invalid(api, url, page=2, ordering="fortune500_rank", after=position("fortune500_rank", rank, 1))
        assert list(body) == ["after"]


def test_count_stays_the_lists_when_rows_before_a_position_are_removed(lists, api):
    url = f"{API}milestones/"
    first = api.get(url, {"page_size": 3}).json()
    from crm.models import Milestone

    Milestone.objects.filter(pk=first["results"][0]["id"]).delete()
    pages = [api.get(first["next"]).json()]
    while pages[-1]["next"]:
        pages.append(api.get(pages[-1]["next"]).json())
    assert {page["count"] for page in pages} == {Milestone.objects.count()} == {9}
    # The page size changed on the way: the count is still the list's.
    changed = first["next"].replace("page_size=3", "page_size=2")
    assert api.get(changed).json()["count"] == 9


def test_other_kinds_of_malformed_positions_are_400s(lists, api):
    meetings = f"{API}meetings/"
    assert invalid(api, meetings, page=2, after=position("-starts_at", "2025-01-01T10:00:00", 1))  # no offset
    assert invalid(api, meetings, page=2, after=position("-starts_at", "0001-01-01T00:00:00+14:00", 1))
    assert invalid(api, f"{API}agreements/", page=2, ordering="amount", after=position("amount", "NaN", 1))
    assert invalid(api, f"{API}agreements/", page=2, ordering="amount", after=position("amount", "1e999999", 1))
    both = invalid(api, f"{API}milestones/", page=2, after=position("due_on", "2025-01-01", 1), before="x")
    assert list(both) == ["before"]


def test_the_first_and_the_last_page_ignore_a_position(lists, api):
    url = f"{API}milestones/"
    somewhere = api.get(url, {"page_size": 3}).json()["next"]
    after = parse_qs(urlparse(somewhere).query)["after"][0]
    assert api.get(url, {"page_size": 3, "page": 1, "after": after}).json() == api.get(url, {"page_size": 3}).json()
    last = api.get(url, {"page_size": 3, "page": "last"}).json()
    assert api.get(url, {"page_size": 3, "page": "last", "after": after}).json() == last
    assert last["next"] is None and len(last["results"]) == 1  # ten milestones


def test_a_position_past_the_end_is_a_404(lists, api):
    """Projects go by id, newest first: nothing comes after the oldest."""
    from crm.models import Project

    oldest, second = Project.objects.order_by("id").values_list("id", flat=True)[:2]
    assert api.get(f"{API}projects/", {"page": 2, "after": position("-pk", oldest)}).status_code == 404
    response = api.get(f"{API}projects/", {"page": 2, "after": position("-pk", second)})
    assert [row["id"] for row in response.json()["results"]] == [oldest]

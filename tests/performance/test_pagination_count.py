"""What a list's ``count`` means (crm/api/lists/pagination.py, docs/performance.md).

Exact up to ``EXACT_COUNT_LIMIT`` matching rows; above it, on PostgreSQL, the planner's estimate
(the table's statistics when unfiltered, EXPLAIN when filtered). The ``next`` links never rely
on the count, and any page's rows are those of the ordered list at its offset.
"""

import datetime as dt

import pytest
from django.db import connection

from crm.api.lists import pagination
from crm.models import Milestone
from tests.api.base import API
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

URL = f"{API}milestones/"
DAY = dt.date(2025, 3, 1)


def add_milestones(project, n, start=0):
    Milestone.objects.bulk_create(
        Milestone(
            project=project, title=f"节点{start + i}", kind="other", due_on=DAY + dt.timedelta(days=(start + i) % 17)
        )
        for i in range(n)
    )


@pytest.fixture
def project():
    project = ProjectFactory()
    add_milestones(project, 130)
    return project


def analyze():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE crm_milestone")


def walk(api, url, params):
    """Every row, following ``next`` from page 1; and the counts each page announced."""
    ids, counts = [], []
    response = api.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [row["id"] for row in body["results"]]
        counts.append(body["count"])
        if body["next"] is None:
            return ids, counts
        response = api.get(body["next"])


def test_every_page_holds_the_ordered_rows_at_its_offset(api, project):
    expected = list(Milestone.objects.order_by("due_on", "id").values_list("id", flat=True))
    for page in (1, 2, 3):
        body = api.get(URL, {"page": page, "page_size": 50}).json()
        assert [row["id"] for row in body["results"]] == expected[(page - 1) * 50 : page * 50]
    assert api.get(URL, {"page": 4, "page_size": 50}).status_code == 404


def test_the_count_is_exact_up_to_the_limit(api, project, monkeypatch):
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 1000)
    analyze()
    add_milestones(project, 10, start=130)  # the statistics now say 130; the count must not
    ids, counts = walk(api, URL, {"page_size": 50})
    assert len(ids) == len(set(ids)) == 140
    assert counts == [140, 140, 140]


def test_an_unfiltered_list_above_the_limit_counts_from_the_table_statistics(api, project, monkeypatch):
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 20)
    analyze()
    add_milestones(project, 10, start=130)  # not analysed: PostgreSQL's estimate stays at 130
    ids, counts = walk(api, URL, {"page_size": 50})
    # The links do not depend on the count: every row once, whatever the estimate said.
    assert len(ids) == len(set(ids)) == 140
    if connection.vendor == "postgresql":
        assert counts[:2] == [130, 130]
    else:
        assert counts[:2] == [140, 140]  # SQLite has no estimate: always exact
    assert counts[-1] == 140  # the last page knows the exact total


def test_a_filtered_list_above_the_limit_counts_from_the_planner_estimate(api, project, monkeypatch):
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 20)
    other = ProjectFactory()
    add_milestones(other, 30, start=500)
    analyze()
    body = api.get(URL, {"project": project.pk, "page_size": 50}).json()
    assert len(body["results"]) == 50 and body["next"]
    if connection.vendor == "postgresql":
        # EXPLAIN's estimate: more than the limit, of the right order (130 rows of 160).
        assert 21 <= body["count"] <= 160, body["count"]
    else:
        assert body["count"] == 130
    ids, _counts = walk(api, URL, {"project": project.pk, "page_size": 50})
    assert sorted(ids) == sorted(Milestone.objects.filter(project=project).values_list("id", flat=True))


def test_a_page_that_is_not_full_reports_the_exact_total(api, project, monkeypatch):
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 20)
    body = api.get(URL, {"page": 2, "page_size": 100}).json()
    assert body["count"] == 130 and body["next"] is None and len(body["results"]) == 30


def test_the_last_page_by_name_uses_the_exact_count(api, project, monkeypatch):
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 20)
    analyze()
    add_milestones(project, 10, start=130)
    body = api.get(URL, {"page": "last", "page_size": 50}).json()
    assert len(body["results"]) == 40 and body["count"] == 140 and body["next"] is None

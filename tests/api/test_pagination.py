"""``?page=`` and ``?page_size=`` (default 50, at most 200): {count, next, previous, results}."""

from urllib.parse import parse_qs, urlparse

import pytest

from crm.models import Industry
from tests.api.base import API

pytestmark = pytest.mark.django_db

URL = f"{API}industries/"


@pytest.fixture
def industries(db):
    return Industry.objects.bulk_create(
        [Industry(name=f"产业{i:03}", code=f"code-{i:03}", search_text=f"产业{i:03}") for i in range(120)]
    )


def query_of(link):
    return {name: values[0] for name, values in parse_qs(urlparse(link).query).items()}


def test_it_pages_by_50_by_default(viewer_api, industries):
    body = viewer_api.get(URL).json()
    assert body["count"] == 120
    assert len(body["results"]) == 50
    assert body["previous"] is None
    assert query_of(body["next"]) == {"page": "2"}


def test_it_links_each_page_to_the_next_and_the_previous(viewer_api, industries):
    second = viewer_api.get(URL, {"page": 2}).json()
    assert [row["code"] for row in second["results"]][:2] == ["code-050", "code-051"]
    assert query_of(second["next"]) == {"page": "3"}
    assert query_of(second["previous"]) == {}
    third = viewer_api.get(URL, {"page": 3}).json()
    assert len(third["results"]) == 20
    assert third["next"] is None
    assert query_of(third["previous"]) == {"page": "2"}


def test_its_links_keep_the_page_size_filters_and_ordering(viewer_api, industries):
    body = viewer_api.get(URL, {"page_size": 10, "search": "产业", "ordering": "-code"}).json()
    assert body["results"][0]["code"] == "code-119"
    query = query_of(body["next"])
    assert query.pop("after"), "the position of the page's last row (tests/api/test_positions.py)"
    assert query == {"page": "2", "page_size": "10", "search": "产业", "ordering": "-code"}
    by_offset = viewer_api.get(URL, {"page": 2, "page_size": 10, "search": "产业", "ordering": "-code"}).json()
    assert viewer_api.get(body["next"]).json() == by_offset


def test_it_caps_the_page_size_at_200_without_an_error(viewer_api):
    Industry.objects.bulk_create([Industry(name=f"产业{i}", code=f"many-{i}") for i in range(201)])
    response = viewer_api.get(URL, {"page_size": 500})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 200
    assert query_of(response.json()["next"])["page"] == "2"


def test_it_answers_404_for_a_page_past_the_end(viewer_api, industries):
    assert viewer_api.get(URL, {"page": 4}).status_code == 404
    assert viewer_api.get(URL, {"page": 3}).status_code == 200


def test_it_serves_the_last_page_by_name(viewer_api, industries):
    body = viewer_api.get(URL, {"page": "last"}).json()
    assert len(body["results"]) == 20


def test_it_answers_an_empty_first_page_when_nothing_matches(viewer_api, industries):
    body = viewer_api.get(URL, {"search": "不存在"}).json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}

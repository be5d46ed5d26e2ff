"""targets/: the yearly signed-investment target; managers write it, every role reads it."""

import pytest

from crm.models import InvestmentTarget
from tests.factories import InvestmentTargetFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/targets/"


def test_a_manager_sets_a_years_target(api):
    response = api.post(URL, {"year": 2025, "amount": "8000000000.00", "note": "市政府下达"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["year"], body["amount"], body["version"]) == (2025, "8000000000.00", 1)
    assert response["ETag"] == '"1"'


def test_the_kpis_compare_the_signed_investment_with_it(api):
    api.post(URL, {"year": 2025, "amount": "100.00"}, format="json")
    assert api.get("/api/v1/stats/kpis/?year=2025").json()["target"] == "100.00"


@pytest.mark.parametrize("client", ["editor_api", "viewer_api"])
def test_only_managers_write_targets(request, client):
    other = request.getfixturevalue(client)
    target = InvestmentTargetFactory()
    assert other.post(URL, {"year": 2026, "amount": "1.00"}, format="json").status_code == 403
    assert other.patch(f"{URL}{target.pk}/", {"amount": "1.00", "version": 1}, format="json").status_code == 403
    assert other.delete(f"{URL}{target.pk}/", HTTP_IF_MATCH='"1"').status_code == 403
    assert other.get(URL).status_code == 200
    assert other.get(f"{URL}{target.pk}/history/").status_code == 200


def test_anonymous_users_and_users_without_a_role_are_refused(anon_api, nobody_api):
    assert anon_api.get(URL).status_code == 401
    assert nobody_api.get(URL).status_code == 403


def test_a_change_needs_the_version_read_and_a_stale_one_is_refused(api):
    target = InvestmentTargetFactory()
    url = f"{URL}{target.pk}/"
    assert api.patch(url, {"amount": "1.00"}, format="json").status_code == 428
    assert api.patch(url, {"amount": "1.00"}, format="json", HTTP_IF_MATCH='"9"').status_code == 412
    response = api.patch(url, {"amount": "6000000000.00"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    history = api.get(f"{url}history/").json()["results"]
    assert history[0]["changes"] == [{"field": "amount", "old": "5000000000.00", "new": "6000000000.00"}]
    assert api.delete(url, HTTP_IF_MATCH='"2"').status_code == 204
    assert not InvestmentTarget.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"year": 2025, "amount": "-1.00"}, "amount"),
        ({"year": 2024, "amount": "1.00"}, "year"),  # the year already has one
        ({"year": 1999, "amount": "1.00"}, "year"),
        ({"year": 2025, "amount": "1000000000000000.00"}, "amount"),
        ({"year": 2025, "amount": "much"}, "amount"),
    ],
)
def test_a_bad_target_is_a_400_naming_the_field(api, payload, field):
    InvestmentTargetFactory(year=2024)
    response = api.post(URL, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_targets_filter_by_year(api):
    InvestmentTargetFactory(year=2024)
    InvestmentTargetFactory(year=2025)
    assert [t["year"] for t in api.get(URL, {"year__gte": 2025}).json()["results"]] == [2025]
    assert [t["year"] for t in api.get(URL).json()["results"]] == [2025, 2024]

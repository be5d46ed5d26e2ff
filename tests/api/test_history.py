"""``{resource}/{id}/history/``: who changed what and when, with the old and new values."""

import pytest

from crm.models import Contact
from tests.api.base import API, if_match
from tests.factories import CompanyFactory, IndustryFactory

pytestmark = pytest.mark.django_db


def test_it_shows_a_many_to_many_change_as_the_old_and_new_ids(editor, editor_api):
    first, second = IndustryFactory(), IndustryFactory()
    company = CompanyFactory()
    company.industries.set([first])
    response = editor_api.patch(
        f"{API}companies/{company.pk}/", {"industries": [first.pk, second.pk]}, **if_match(company.version)
    )
    assert response.status_code == 200, response.content
    latest = editor_api.get(f"{API}companies/{company.pk}/history/").json()["results"][0]
    assert latest["history_user"] == editor.pk
    assert {"field": "industries", "old": [first.pk], "new": sorted([first.pk, second.pk])} in latest["changes"]


def test_it_diffs_the_last_entry_of_a_page_against_the_first_of_the_next(editor_api):
    company = CompanyFactory(city="深圳")
    for city in ("广州", "上海", "北京"):
        company.city = city
        company.save()
    first_page = editor_api.get(f"{API}companies/{company.pk}/history/", {"page_size": 2}).json()
    second_page = editor_api.get(f"{API}companies/{company.pk}/history/", {"page_size": 2, "page": 2}).json()
    assert first_page["count"] == 4
    assert [e["changes"] for e in first_page["results"]] == [
        [{"field": "city", "old": "上海", "new": "北京"}],
        [{"field": "city", "old": "广州", "new": "上海"}],
    ]
    assert [e["changes"] for e in second_page["results"]] == [[{"field": "city", "old": "深圳", "new": "广州"}], []]
    assert [e["history_type"] for e in second_page["results"]] == ["~", "+"]


def test_it_answers_an_empty_history_for_a_record_that_has_none(viewer_api):
    [contact] = Contact.objects.bulk_create([Contact(company=CompanyFactory(), name="导入的联系人")])
    response = viewer_api.get(f"{API}contacts/{contact.pk}/history/")
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_it_answers_404_for_the_history_of_a_missing_record(viewer_api):
    assert viewer_api.get(f"{API}companies/424242/history/").status_code == 404


def test_it_keeps_the_history_of_a_deleted_record_out_of_the_api(api):
    company = CompanyFactory()
    api.delete(f"{API}companies/{company.pk}/", **if_match(1))
    assert api.get(f"{API}companies/{company.pk}/history/").status_code == 404

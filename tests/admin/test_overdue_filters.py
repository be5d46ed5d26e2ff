"""The admin's "是否逾期" filter is the API's rule (each model's ``overdue_condition``)."""

import datetime as dt

import pytest

from crm import services
from tests.factories import MilestoneFactory, PartnerRequestFactory, TaskFactory

pytestmark = pytest.mark.django_db


def shown(client, url, value) -> set[int]:
    response = client.get(url, {"overdue": value})
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("url", "make", "done"),
    [
        ("/admin/crm/milestone/", MilestoneFactory, {"done_on": dt.date(2020, 1, 2)}),
        ("/admin/crm/task/", TaskFactory, {"status": "done", "done_at": dt.datetime(2020, 1, 2, tzinfo=dt.UTC)}),
        (
            "/admin/crm/partnerrequest/",
            PartnerRequestFactory,
            {"status": "declined", "raised_on": dt.date(2019, 12, 1), "resolved_on": dt.date(2020, 1, 2)},
        ),
    ],
)
def test_overdue_shows_the_late_open_items_and_not_overdue_the_open_ones_still_due(manager_client, url, make, done):
    today = services.today()
    late = make(due_on=today - dt.timedelta(days=3))
    due = make(due_on=today + dt.timedelta(days=3))
    closed_late = make(due_on=dt.date(2020, 1, 1), **done)
    assert shown(manager_client, url, "1") & {late.pk, due.pk, closed_late.pk} == {late.pk}
    assert shown(manager_client, url, "0") & {late.pk, due.pk, closed_late.pk} == {due.pk}

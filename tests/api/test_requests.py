import datetime as dt

from crm.services import today
from tests.api.base import ResourceTests, if_match
from tests.factories import CompanyFactory, MeetingFactory, PartnerRequestFactory, UserFactory


def of_company():
    company = CompanyFactory()
    return {"company": company.pk}, PartnerRequestFactory(company=company), PartnerRequestFactory()


def assigned_to():
    assignee = UserFactory(role="editor")
    return (
        {"assignee": assignee.pk},
        PartnerRequestFactory(assignee=assignee),
        PartnerRequestFactory(assignee=UserFactory(role="editor")),
    )


def raised_in():
    meeting = MeetingFactory()
    return {"meeting": meeting.pk}, PartnerRequestFactory(meeting=meeting), PartnerRequestFactory(meeting=None)


class TestRequests(ResourceTests):
    endpoint = "requests"
    labels = {"status": ("in_progress", "办理中")}
    filters = {
        "company": of_company,
        "status": lambda: (
            {"status": "in_progress"},
            PartnerRequestFactory(status="in_progress"),
            PartnerRequestFactory(status="open"),
        ),
        "assignee": assigned_to,
        "meeting": raised_in,
    }

    def create_payload(self):
        return {
            "company": CompanyFactory().pk,
            "meeting": MeetingFactory().pk,
            "raised_on": "2024-10-22",
            "category": "用地",
            "description": "希望协调200亩工业用地",
            "status": "open",
            "assignee": UserFactory(role="editor").pk,
            "due_on": "2024-12-31",
            "resolution": "",
        }

    def patch_payload(self):
        return {"status": "in_progress", "category": "人才"}

    def test_it_dates_a_resolution_today_when_none_is_given(self, editor_api):
        request = PartnerRequestFactory()
        response = editor_api.patch(
            self.detail_url(request), {"status": "resolved", "resolution": "已协调"}, **if_match(1)
        )
        assert response.status_code == 200, response.content
        assert response.json()["resolved_on"] == today().isoformat()

    def test_it_clears_the_resolution_date_when_a_request_is_reopened(self, editor_api):
        request = PartnerRequestFactory(status="resolved", resolved_on=dt.date(2024, 11, 1))
        response = editor_api.patch(self.detail_url(request), {"status": "open"}, **if_match(1))
        assert response.json()["resolved_on"] is None

    def test_it_marks_an_open_request_past_its_due_date_as_overdue(self, viewer_api):
        late = PartnerRequestFactory(due_on=today() - dt.timedelta(days=1))
        answered = PartnerRequestFactory(due_on=today() - dt.timedelta(days=1), status="resolved", resolved_on=today())
        assert viewer_api.get(self.detail_url(late)).json()["overdue"] is True
        assert viewer_api.get(self.detail_url(answered)).json()["overdue"] is False

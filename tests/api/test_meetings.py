import datetime as dt

from tests.api.base import ResourceTests
from tests.factories import CompanyFactory, ContactFactory, MeetingFactory, TripFactory, UserFactory

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(day, hour=9):
    return dt.datetime(2024, 10, day, hour, 0, tzinfo=SHANGHAI)


def in_trip():
    trip = TripFactory()
    return {"trip": trip.pk}, MeetingFactory(trip=trip), MeetingFactory(trip=TripFactory())


def with_company():
    company = CompanyFactory()
    wanted, unwanted = MeetingFactory(), MeetingFactory()
    wanted.companies.set([company, CompanyFactory()])
    unwanted.companies.set([CompanyFactory()])
    return {"company": company.pk}, wanted, unwanted


def owned_by():
    owner = UserFactory(role="editor")
    return {"owner": owner.pk}, MeetingFactory(owner=owner), MeetingFactory(owner=UserFactory(role="editor"))


class TestMeetings(ResourceTests):
    endpoint = "meetings"
    labels = {"kind": ("promotion_event", "推介会")}
    filters = {
        "kind": lambda: ({"kind": "site_visit"}, MeetingFactory(kind="site_visit"), MeetingFactory(kind="talk")),
        "trip": in_trip,
        "company": with_company,
        "starts_at__gte": lambda: (
            {"starts_at__gte": "2024-10-22T09:00:00+08:00"},
            MeetingFactory(starts_at=at(22, 9)),
            MeetingFactory(starts_at=at(22, 8)),
        ),
        "starts_at__lte": lambda: (
            {"starts_at__lte": "2024-10-22T01:00:00Z"},
            MeetingFactory(starts_at=at(22, 9)),
            MeetingFactory(starts_at=at(22, 10)),
        ),
        "owner": owned_by,
        "search": lambda: (
            {"search": "推介"},
            MeetingFactory(title="常州（深圳）产业推介会"),
            MeetingFactory(title="座谈交流"),
        ),
        "search:location": lambda: (
            {"search": "华润大厦"},
            MeetingFactory(title="拜访华润", location="深圳华润大厦"),
            MeetingFactory(title="拜访腾讯", location="腾讯滨海大厦"),
        ),
    }

    def create_payload(self):
        return {
            "title": "拜访华润集团",
            "kind": "visit",
            "starts_at": "2024-10-22T09:30:00+08:00",
            "ends_at": "2024-10-22T11:00:00+08:00",
            "location": "深圳华润大厦",
            "trip": TripFactory().pk,
            "companies": [CompanyFactory().pk],
            "attendees": [ContactFactory().pk, ContactFactory().pk],
            "owner": UserFactory(role="editor").pk,
            "summary": "双方就新能源项目深入交流",
            "outcomes": "达成合作意向",
        }

    def patch_payload(self):
        return {"outcomes": "签署战略合作协议", "kind": "negotiation"}

    def test_it_shows_datetimes_in_shanghai_time_with_their_offset(self, editor_api):
        payload = {"title": "视频会议", "kind": "call", "starts_at": "2024-10-22T01:30:00Z"}
        body = editor_api.post(self.list_url(), payload, format="json").json()
        assert body["starts_at"] == "2024-10-22T09:30:00+08:00"

    def test_it_keeps_companies_and_attendees_apart(self, viewer_api):
        meeting = MeetingFactory()
        company, contact = CompanyFactory(), ContactFactory()
        meeting.companies.set([company])
        meeting.attendees.set([contact])
        for body in (
            viewer_api.get(self.detail_url(meeting)).json(),
            viewer_api.get(self.list_url()).json()["results"][0],
        ):
            assert body["companies"] == [company.pk]
            assert body["attendees"] == [contact.pk]

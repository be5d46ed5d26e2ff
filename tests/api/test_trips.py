import datetime as dt

from tests.api.base import ResourceTests
from tests.factories import ContactFactory, TripFactory, UserFactory


class TestTrips(ResourceTests):
    endpoint = "trips"
    filters = {
        "start_date__gte": lambda: (
            {"start_date__gte": "2024-10-01"},
            TripFactory(start_date=dt.date(2024, 10, 1), end_date=dt.date(2024, 10, 2)),
            TripFactory(start_date=dt.date(2024, 9, 30), end_date=dt.date(2024, 10, 2)),
        ),
        "start_date__lte": lambda: (
            {"start_date__lte": "2024-10-01"},
            TripFactory(start_date=dt.date(2024, 10, 1), end_date=dt.date(2024, 10, 2)),
            TripFactory(start_date=dt.date(2024, 10, 2), end_date=dt.date(2024, 10, 3)),
        ),
        "search": lambda: (
            {"search": "深圳"},
            TripFactory(title="赴深圳经贸交流", destination="深圳"),
            TripFactory(title="赴上海招商", destination="上海"),
        ),
    }

    def create_payload(self):
        leader = ContactFactory(name="陈金虎", title="市委书记")
        return {
            "title": "常州市党政代表团赴深圳考察",
            "destination": "深圳",
            "start_date": "2024-10-22",
            "end_date": "2024-10-23",
            "leader": leader.pk,
            "members": [ContactFactory().pk, ContactFactory().pk],
            "purpose": "拜访企业，推介常州",
            "summary": "",
            "owner": UserFactory(role="editor").pk,
        }

    def patch_payload(self):
        return {"summary": "签约项目12个，总投资200亿元", "end_date": "2024-10-24"}

    def test_it_shows_the_leader_name_and_member_ids(self, viewer_api):
        leader, member = ContactFactory(name="陈金虎"), ContactFactory()
        trip = TripFactory(leader=leader)
        trip.members.set([member])
        body = viewer_api.get(self.detail_url(trip)).json()
        assert body["leader_name"] == "陈金虎"
        assert body["members"] == [member.pk]

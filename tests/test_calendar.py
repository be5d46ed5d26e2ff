"""The per-user iCalendar feed behind a secret, revocable token."""

import datetime as dt

import pytest
from django.utils import timezone
from icalendar import Calendar

from crm import services
from tests.conftest import client_for
from tests.factories import (
    MeetingFactory,
    MilestoneFactory,
    PartnerRequestFactory,
    ProjectFactory,
    TaskFactory,
    UserFactory,
)


@pytest.fixture
def me(db):
    return UserFactory(username="wangfang", full_name="王芳", role="editor")


def feed(client, url):
    path = url.split("://", 1)[1].split("/", 1)[1]
    return client.get("/" + path)


@pytest.mark.django_db
def test_the_feed_holds_the_users_meetings_milestones_tasks_and_requests(client, me):
    today = services.today()
    other = UserFactory()
    meeting = MeetingFactory(
        owner=me, title="与华润集团座谈", starts_at=timezone.now().replace(microsecond=0) + dt.timedelta(days=2)
    )
    milestone = MilestoneFactory(assignee=me, due_on=today + dt.timedelta(days=30), title="主体结构封顶")
    owned = MilestoneFactory(assignee=None, project=ProjectFactory(owner=me), due_on=today + dt.timedelta(days=3))
    task = TaskFactory(assignee=me, due_on=today + dt.timedelta(days=5), title="回访赛桥生物")
    request = PartnerRequestFactory(assignee=me, due_on=today + dt.timedelta(days=9))
    MilestoneFactory(assignee=other, due_on=today + dt.timedelta(days=4))  # someone else's
    TaskFactory(assignee=me, due_on=today + dt.timedelta(days=6), status="cancelled", done_at=None)

    url = client_for(me).post("/api/v1/auth/me/calendar/").json()["url"]
    response = feed(client, url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")

    calendar = Calendar.from_ical(response.content)
    uids = {str(event["uid"]).split("@")[0] for event in calendar.walk("VEVENT")}
    assert uids == {
        f"meeting-{meeting.pk}",
        f"milestone-{milestone.pk}",
        f"milestone-{owned.pk}",
        f"task-{task.pk}",
        f"request-{request.pk}",
    }
    by_uid = {str(e["uid"]).split("@")[0]: e for e in calendar.walk("VEVENT")}
    assert by_uid[f"milestone-{milestone.pk}"].decoded("dtstart") == milestone.due_on
    assert "主体结构封顶" in str(by_uid[f"milestone-{milestone.pk}"]["summary"])
    assert by_uid[f"meeting-{meeting.pk}"].decoded("dtstart") == meeting.starts_at


@pytest.mark.django_db
def test_a_rotated_or_revoked_token_answers_404(client, me):
    api = client_for(me)
    first = api.post("/api/v1/auth/me/calendar/").json()["url"]
    assert feed(client, first).status_code == 200
    second = api.post("/api/v1/auth/me/calendar/").json()["url"]
    assert second != first
    assert feed(client, first).status_code == 404
    assert feed(client, second).status_code == 200
    assert api.get("/api/v1/auth/me/calendar/").json() == {"url": second}

    assert api.delete("/api/v1/auth/me/calendar/").status_code == 204
    assert feed(client, second).status_code == 404
    assert api.get("/api/v1/auth/me/calendar/").json() == {"url": None}


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["", "short", "x" * 200, "not-a-token-but-long-enough-000"])
def test_unknown_tokens_answer_404(client, me, token):
    me.rotate_ical_token()
    assert client.get(f"/calendar/{token}.ics").status_code == 404


@pytest.mark.django_db
def test_the_feed_of_a_deactivated_user_is_gone(client, me):
    url = client_for(me).post("/api/v1/auth/me/calendar/").json()["url"]
    me.is_active = False
    me.save()
    assert feed(client, url).status_code == 404


@pytest.mark.django_db
def test_managing_the_calendar_token_needs_a_signed_in_user(anon_api):
    assert anon_api.post("/api/v1/auth/me/calendar/").status_code == 401

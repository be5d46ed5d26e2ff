"""No side channel tells an outsider of a confidential project, nor a group more than its code name.

One confidential project ("绝密项目X", code name "星河") whose milestone and tasks were assigned to
an outsider (created with the ORM, as assignments made before the API refused them, or kept after
the assignee left the team), a task tied to it only through its agreement, and a signing that moves
it to 签约 with a reason. Then, channel by channel: the reminder emails (real SMTP server), the
calendar feed, ``/api/v1/reminders/``, the admin's reminder list, the webhook payloads and each
chat robot's message.
"""

import datetime as dt
import json
import time

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from crm import reminders, services
from crm.models import Reminder, ReminderStatus, WebhookDelivery, WebhookSubscription
from crm.webhooks import channels
from tests.conftest import client_for
from tests.factories import AgreementFactory, CompanyFactory, MilestoneFactory, ProjectFactory, TaskFactory, UserFactory
from tests.reminders.helpers import D, at

NAME, CODE_NAME = "绝密项目X", "星河"
# Everything of the project that only its owner, its team and the managers may read.
SECRETS = [
    NAME,
    "绝密节点甲",  # the outsider's milestone
    "绝密事项乙",  # the outsider's task of the project
    "绝密协议丙",  # the agreement signed (and the stage change's reason "签署协议：绝密协议丙")
    "绝密事项戊",  # the outsider's task tied to the project only through the agreement
    "组内事项己",  # a team member's task
    "负责人节点庚",  # the owner's milestone
    "保密伙伴丁",  # the agreement's party
    "秘密地块",  # the project's location
]
ROBOTS = ["wecom", "dingtalk", "feishu"]
ABOUT_THE_PROJECT = {"agreement.signed", "project.stage_changed", "milestone.overdue", "milestone.escalated"}


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


@pytest.fixture
def world(db, settings, manager):
    settings.WEBHOOK_DELIVER_ON_COMMIT = False
    settings.SITE_URL = "https://crm.example.cn"
    owner = UserFactory(username="owner", full_name="项目负责人", role="editor")
    member = UserFactory(username="member", full_name="项目组成员", role="editor")
    outsider = UserFactory(username="outsider", full_name="局外人", role="editor", is_staff=True)
    for channel in ["generic", *ROBOTS]:
        url = f"https://hooks.example.cn/{channel}"
        events = sorted(ABOUT_THE_PROJECT)
        WebhookSubscription.objects.create(name=f"群-{channel}", channel=channel, url=url, events=events, secret="")
        for person in (outsider, member):
            WebhookSubscription.objects.create(
                name=f"{person.username}-{channel}", channel=channel, url=url, events=["reminder.digest"], user=person
            )
    WebhookSubscription.objects.filter(channel="generic").update(secret="s3cret-for-tests-0123456789")

    project = ProjectFactory(
        name=NAME,
        code_name=CODE_NAME,
        is_confidential=True,
        owner=owner,
        stage="negotiating",
        location="常州高新区秘密地块",
    )
    project.team.add(member)
    agreement = AgreementFactory(
        title="绝密协议丙", project=project, amount="2000000000.00", summary="绝密协议丙的内容"
    )
    agreement.companies.add(CompanyFactory(name="保密伙伴丁"))
    ordinary = ProjectFactory(name="普通项目", owner=owner, location="武进区", stage="negotiating")
    return {
        "manager": manager,
        "owner": owner,
        "member": member,
        "outsider": outsider,
        "project": project,
        "ordinary": ordinary,
        "agreement": agreement,
        # overdue by 4 days: reminded to its assignee and escalated to managers (3 days)
        "milestone": MilestoneFactory(
            project=project, title="绝密节点甲", assignee=outsider, due_on=D - dt.timedelta(4)
        ),
        "task": TaskFactory(project=project, title="绝密事项乙", assignee=outsider, due_on=D + dt.timedelta(1)),
        "agreement_task": TaskFactory(
            agreement=agreement, title="绝密事项戊", assignee=outsider, due_on=D + dt.timedelta(1)
        ),
        "member_task": TaskFactory(project=project, title="组内事项己", assignee=member, due_on=D + dt.timedelta(1)),
        "owner_milestone": MilestoneFactory(project=project, title="负责人节点庚", due_on=D + dt.timedelta(7)),
        "ordinary_task": TaskFactory(project=ordinary, title="普通事项", assignee=outsider, due_on=D + dt.timedelta(1)),
    }


def sign_and_sweep(world) -> None:
    """The signing (its events and its stage change), then one sweep at 09:00 on D."""
    with time_machine.travel(at(D, 9), tick=False):
        services.agreement_sign(agreement=world["agreement"], user=world["owner"], signed_on=D)
        services.project_change_stage(
            project=world["ordinary"], to_stage="signed", user=world["owner"], reason="普通理由"
        )
        reminders.sweep()


def email_text(message) -> str:
    """Subject and every part decoded (text, HTML, the .ics), long .ics lines unfolded."""
    parts = [str(message["Subject"])]
    for part in message.walk():
        if not part.is_multipart():
            payload = part.get_payload(decode=True) or b""
            parts.append(payload.decode(part.get_content_charset() or "utf-8", errors="replace"))
    text = "\n".join(parts)
    return text + "\n" + text.replace("\r\n ", "").replace("\n ", "")


def mails_to(smtp_server, user) -> list[str]:
    return [email_text(m) for m in smtp_server.messages if m["To"] == user.email]


# Emails ----------------------------------------------------------------------------------------------


def test_the_outsiders_email_names_nothing_of_the_project_while_its_people_get_theirs(world, smtp_server):
    sign_and_sweep(world)
    [outsider] = mails_to(smtp_server, world["outsider"])
    assert leaks(outsider) == []
    assert CODE_NAME not in outsider
    assert "普通事项" in outsider  # their other work is reminded as ever
    assert "您有 1 项" in outsider

    [member] = mails_to(smtp_server, world["member"])
    assert "组内事项己" in member
    [owner] = mails_to(smtp_server, world["owner"])
    assert f"{NAME}：负责人节点庚" in owner
    [manager] = mails_to(smtp_server, world["manager"])  # the escalation: managers see all
    assert f"{NAME}：绝密节点甲" in manager
    assert "督办" in manager


def test_what_the_outsider_may_not_see_is_skipped_never_sent_and_never_planned_twice(world, smtp_server):
    sign_and_sweep(world)
    theirs = Reminder.objects.filter(recipient=world["outsider"]).exclude(
        subject="task", object_id=world["ordinary_task"].pk
    )
    assert theirs.count() == 3
    assert set(theirs.values_list("status", flat=True)) == {ReminderStatus.SKIPPED}
    assert all("无权查看" in error for error in theirs.values_list("last_error", flat=True))

    with time_machine.travel(at(D, 9, 1), tick=False):
        reminders.sweep()
    with time_machine.travel(at(D + dt.timedelta(1), 9), tick=False):  # the next day's full plan
        reminders.sweep()
    assert all(leaks(text) == [] for text in mails_to(smtp_server, world["outsider"]))
    keys = list(Reminder.objects.values_list("subject", "object_id", "occurrence", "recipient_id"))
    assert len(keys) == len(set(keys))


def test_a_member_who_left_the_team_is_not_sent_what_was_planned_for_them(world, smtp_server):
    with time_machine.travel(at(D, 6), tick=False):  # before the send hour: planned, not sent
        reminders.sweep()
    planned = Reminder.objects.get(recipient=world["member"], object_id=world["member_task"].pk, subject="task")
    assert planned.status == ReminderStatus.PENDING
    world["project"].team.remove(world["member"])

    with time_machine.travel(at(D, 9), tick=False):
        reminders.sweep()
    assert all(leaks(text) == [] for text in mails_to(smtp_server, world["member"]))
    planned.refresh_from_db()
    assert planned.status == ReminderStatus.SKIPPED
    assert planned.sent_at is None


# The reminder list, in the API and the admin ----------------------------------------------------------


def test_the_outsiders_reminder_list_and_details_name_nothing_of_the_project(world, smtp_server):
    sign_and_sweep(world)
    outsider = client_for(world["outsider"])
    listing = outsider.get("/api/v1/reminders/?page_size=200")
    assert listing.status_code == 200
    assert leaks(listing.content.decode()) == []
    assert [row["title"] for row in listing.json()["results"]] == ["普通事项"]
    assert outsider.get("/api/v1/reminders/?search=绝密").json()["count"] == 0
    for reminder in Reminder.objects.filter(recipient=world["outsider"]).exclude(title="普通事项"):
        assert outsider.get(f"/api/v1/reminders/{reminder.pk}/").status_code == 404

    member = client_for(world["member"]).get("/api/v1/reminders/").json()
    assert [row["title"] for row in member["results"]] == ["组内事项己"]
    manager = client_for(world["manager"]).get("/api/v1/reminders/?page_size=200").content.decode()
    assert "绝密事项戊" in manager  # managers see every reminder, the skipped ones too


def test_the_admin_shows_the_outsider_no_reminder_of_the_project(world, smtp_server):
    sign_and_sweep(world)
    client = Client()
    client.force_login(world["outsider"])
    listing = client.get(reverse("admin:crm_reminder_changelist"))
    assert listing.status_code == 200
    assert [r.title for r in listing.context["cl"].result_list] == ["普通事项"]
    assert leaks(listing.content.decode()) == []
    hidden = Reminder.objects.get(recipient=world["outsider"], subject="task", object_id=world["agreement_task"].pk)
    assert client.get(reverse("admin:crm_reminder_change", args=[hidden.pk])).status_code in (302, 404)


# The calendar feed ------------------------------------------------------------------------------------


def feed_of(user) -> str:
    url = client_for(user).post("/api/v1/auth/me/calendar/").json()["url"]
    with time_machine.travel(at(D, 9), tick=False):
        response = Client().get("/" + url.split("://", 1)[1].split("/", 1)[1])
    assert response.status_code == 200
    return response.content.decode()


def test_the_outsiders_calendar_feed_holds_nothing_of_the_project(world):
    raw = feed_of(world["outsider"])
    unfolded = raw.replace("\r\n ", "").replace("\r\n\t", "")
    assert leaks(raw) == [] and leaks(unfolded) == []
    calendar = Calendar.from_ical(raw)
    events = calendar.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["普通事项"]
    uids = {str(e["uid"]).split("@")[0] for e in events}
    assert uids == {f"task-{world['ordinary_task'].pk}"}
    for event in events:
        assert leaks(" ".join(str(event.get(key, "")) for key in ("summary", "description", "location", "url"))) == []

    member = Calendar.from_ical(feed_of(world["member"]))
    assert [str(e["summary"]) for e in member.walk("VEVENT")] == ["组内事项己"]
    owner = Calendar.from_ical(feed_of(world["owner"]))
    assert f"{NAME}：负责人节点庚" in [str(e["summary"]) for e in owner.walk("VEVENT")]


# Webhooks and chat robots -------------------------------------------------------------------------


def outgoing(channel: str) -> list[tuple[str, WebhookDelivery, str]]:
    """(event type, delivery, the request body as text) of every delivery to ``channel``."""
    deliveries = WebhookDelivery.objects.filter(subscription__channel=channel).select_related("event", "subscription")
    result = []
    for delivery in deliveries.order_by("pk"):
        sent = channels.build(delivery, time.time())
        body = sent.body.decode("utf-8")
        result.append((delivery.event.type, delivery, body + json.dumps(json.loads(body), ensure_ascii=False)))
    return result


def of_the_secret_project(delivery, world) -> bool:
    return delivery.event.payload["project"]["id"] == world["project"].pk


def test_the_webhook_payloads_name_the_project_by_its_code_name_only(world, smtp_server):
    sign_and_sweep(world)
    sent = outgoing("generic")
    types = {event_type for event_type, _, _ in sent}
    assert types == ABOUT_THE_PROJECT | {"reminder.digest"}
    for event_type, delivery, body in sent:
        assert leaks(body) == [], (event_type, body)
        if event_type in ABOUT_THE_PROJECT and of_the_secret_project(delivery, world):
            assert CODE_NAME in body, (event_type, body)

    payloads = {(e, d.event.object_id): d.event.payload for e, d, _ in sent}
    signed = payloads[("agreement.signed", world["agreement"].pk)]
    assert signed["agreement"]["companies"] == [] and signed["agreement"]["amount"] is None
    change = payloads[("project.stage_changed", world["project"].pk)]
    assert (change["project"]["name"], change["reason"], change["to_stage"]) == (CODE_NAME, "", "signed")
    assert (change["project"]["location"], change["project"]["total_investment"]) == ("", None)
    overdue = payloads[("milestone.overdue", world["milestone"].pk)]
    assert (overdue["project"]["name"], overdue["milestone"]["title"]) == (CODE_NAME, "开工节点")
    # An ordinary project is told as before.
    plain = payloads[("project.stage_changed", world["ordinary"].pk)]
    assert (plain["project"]["name"], plain["reason"], plain["project"]["location"]) == (
        "普通项目",
        "普通理由",
        "武进区",
    )


def test_a_team_members_digest_in_their_group_names_the_project_by_its_code_name(world, smtp_server):
    sign_and_sweep(world)
    [digest] = [
        d.event.payload
        for e, d, _ in outgoing("generic")
        if e == "reminder.digest" and d.subscription.user_id == world["member"].pk
    ]
    assert [item["title"] for item in digest["items"]] == [f"{CODE_NAME}：跟进事项"]
    [outsiders] = [
        d.event.payload
        for e, d, _ in outgoing("generic")
        if e == "reminder.digest" and d.subscription.user_id == world["outsider"].pk
    ]
    assert [item["title"] for item in outsiders["items"]] == ["普通事项"]


@pytest.mark.parametrize("channel", ROBOTS)
def test_each_robots_message_names_the_project_by_its_code_name_only(world, smtp_server, channel):
    sign_and_sweep(world)
    sent = outgoing(channel)
    assert {event_type for event_type, _, _ in sent} == ABOUT_THE_PROJECT | {"reminder.digest"}
    for event_type, delivery, body in sent:
        assert leaks(body) == [], (event_type, body)
        if event_type in ABOUT_THE_PROJECT and of_the_secret_project(delivery, world):
            assert CODE_NAME in body, (event_type, body)
        if delivery.subscription.user_id == world["member"].pk:
            assert f"{CODE_NAME}：跟进事项" in body

"""Every event reaches its subscribers once, signed, and nobody else. Real receivers on loopback."""

import datetime as dt
import hashlib
import hmac
import time

import pytest
from django.db import transaction

from crm import reminders, services
from crm.models import WebhookDelivery, WebhookDeliveryStatus, WebhookEvent
from crm.webhooks.delivery import deliver_due
from tests.conftest import client_for
from tests.factories import (
    AgreementFactory,
    CompanyFactory,
    MilestoneFactory,
    PartnerRequestFactory,
    ProjectFactory,
    UserFactory,
)
from tests.webhooks.conftest import SECRET, subscribe

pytestmark = pytest.mark.django_db


def verify(request, secret=SECRET) -> dict:
    """What a receiver does: check the HMAC over timestamp + "." + body, and the time, then parse."""
    timestamp = request.headers["X-CRM-Timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-CRM-Signature"], f"sha256={expected}")
    assert abs(time.time() - int(timestamp)) < 300
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.headers["Idempotency-Key"] == request.headers["X-CRM-Delivery"]
    return request.json()


@pytest.fixture
def staff(db):
    return UserFactory(username="liwei", full_name="李伟", email="liwei@bureau.example.cn", role="editor")


def sign_an_agreement(ctx):
    project = ProjectFactory(name="新能源电池项目", stage="negotiating", owner=ctx["staff"])
    agreement = AgreementFactory(title="新能源电池项目投资协议", project=project, amount="2000000000.00")
    agreement.companies.add(CompanyFactory(name="深圳乐荟"))
    services.agreement_sign(agreement=agreement, user=ctx["manager"])
    return {"agreement": {"id": agreement.pk, "title": "新能源电池项目投资协议"}}


def change_a_stage(ctx):
    project = ProjectFactory(name="合成生物基地", stage="signed", owner=ctx["staff"])
    services.project_change_stage(project=project, to_stage="construction", user=ctx["staff"], reason="开工仪式")
    return {"project": {"id": project.pk, "name": "合成生物基地"}, "to_stage": "construction", "from_stage": "signed"}


def let_a_milestone_go_overdue(ctx):
    milestone = MilestoneFactory(
        title="竣工验收", assignee=ctx["staff"], due_on=services.today() - dt.timedelta(days=4)
    )
    reminders.sweep()
    return {"milestone": {"id": milestone.pk, "title": "竣工验收", "days_overdue": 4}}


def open_a_request(ctx):
    company = CompanyFactory(name="赛桥生物")
    response = client_for(ctx["staff"]).post(
        "/api/v1/requests/",
        {"company": company.pk, "raised_on": "2024-10-22", "category": "用地", "description": "希望协调用地指标"},
        format="json",
    )
    assert response.status_code == 201, response.content
    return {"request": {"id": response.json()["id"], "company_name": "赛桥生物", "status": "open"}}


def resolve_a_request(ctx):
    request = PartnerRequestFactory(description="人才公寓", assignee=ctx["staff"])
    response = client_for(ctx["staff"]).patch(
        f"/api/v1/requests/{request.pk}/",
        {"status": "resolved", "resolution": "已安排", "version": request.version},
        format="json",
    )
    assert response.status_code == 200, response.content
    return {"request": {"id": request.pk, "status": "resolved", "resolution": "已安排"}}


def send_a_digest(ctx):
    MilestoneFactory(title="开工", assignee=ctx["staff"], due_on=services.today() + dt.timedelta(days=7))
    ctx["settings"].REMINDER_SEND_HOUR = 0
    reminders.sweep()
    return {"user": {"id": ctx["staff"].pk}, "count": 1}


CASES = {
    # event type: (what causes it, an event type the same action does not raise)
    "agreement.signed": (sign_an_agreement, "milestone.escalated"),
    "project.stage_changed": (change_a_stage, "agreement.signed"),
    "milestone.overdue": (let_a_milestone_go_overdue, "agreement.signed"),
    "milestone.escalated": (let_a_milestone_go_overdue, "agreement.signed"),
    "partner_request.opened": (open_a_request, "partner_request.resolved"),
    "partner_request.resolved": (resolve_a_request, "milestone.escalated"),
    "reminder.digest": (send_a_digest, "agreement.signed"),
}


def contains(actual, expected) -> bool:
    if isinstance(expected, dict):
        return all(k in actual and contains(actual[k], v) for k, v in expected.items())
    return actual == expected


@pytest.mark.parametrize("event_type", list(CASES))
def test_each_event_reaches_its_subscriber_once_signed_and_no_one_else(
    event_type, receiver, other_receiver, staff, manager, settings
):
    cause, unrelated = CASES[event_type]
    scope = {"user": staff} if event_type == "reminder.digest" else {}
    subscribe(receiver.url, [event_type], **scope)
    subscribe(other_receiver.url, [unrelated], name="另一个系统")

    expected = cause({"staff": staff, "manager": manager, "settings": settings})
    deliver_due()
    deliver_due()  # a second sweep finds nothing left to send

    [request] = receiver.requests
    body = verify(request)
    assert body["type"] == event_type == request.headers["X-CRM-Event"]
    assert contains(body["data"], expected), body["data"]
    assert other_receiver.requests == []
    delivery = WebhookDelivery.objects.get(subscription__url=receiver.url)
    assert delivery.status == WebhookDeliveryStatus.DELIVERED
    assert (delivery.attempts, delivery.last_status_code) == (1, 200)
    assert request.headers["X-CRM-Delivery"] == str(delivery.key)
    assert body["id"] == str(delivery.event.uuid)


def test_an_escalation_reaches_a_group_once_however_many_managers_are_told(receiver, staff, manager):
    UserFactory(role="manager")
    subscribe(receiver.url, ["milestone.escalated"])
    MilestoneFactory(assignee=staff, due_on=services.today() - dt.timedelta(days=3))
    reminders.sweep()
    reminders.sweep()  # the same day again: nothing new
    deliver_due()
    assert len(receiver.requests) == 1


def test_a_receiver_answering_500_then_200_gets_the_event_once_after_the_retry(receiver, staff, settings):
    settings.WEBHOOK_BACKOFF_SECONDS = [0]
    receiver.answers = [(500, b"busy")]
    subscribe(receiver.url, ["project.stage_changed"])
    project = ProjectFactory(stage="lead")
    services.project_change_stage(project=project, to_stage="negotiating", user=staff)

    first = deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert first["retried"] == 1
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.last_response == "busy"

    second = deliver_due()
    deliver_due()
    delivery.refresh_from_db()
    assert second["delivered"] == 1
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)
    assert len(receiver.requests) == 2
    first_body, second_body = (verify(r) for r in receiver.requests)
    assert first_body == second_body  # the same event, byte for byte, under the same idempotency key
    assert receiver.requests[0].headers["Idempotency-Key"] == receiver.requests[1].headers["Idempotency-Key"]


def test_a_delivery_that_keeps_failing_is_failed_visibly_after_the_bound(receiver, staff, settings):
    settings.WEBHOOK_BACKOFF_SECONDS = [0]
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.default = (503, b"down")
    subscribe(receiver.url, ["project.stage_changed"])
    services.project_change_stage(project=ProjectFactory(stage="lead"), to_stage="negotiating", user=staff)
    for _ in range(5):
        deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert "HTTP 503" in delivery.last_error
    assert len(receiver.requests) == 3


def test_a_rolled_back_change_delivers_nothing(receiver, staff):
    subscribe(receiver.url, ["project.stage_changed", "agreement.signed"])
    project = ProjectFactory(stage="negotiating")
    agreement = AgreementFactory(project=project)

    with pytest.raises(RuntimeError), transaction.atomic():
        services.agreement_sign(agreement=agreement, user=staff)
        assert WebhookEvent.objects.count() == 2  # written with the change...
        raise RuntimeError("the request failed after the service ran")

    assert WebhookEvent.objects.count() == 0  # ...and gone with it
    deliver_due()
    assert receiver.requests == []


def test_a_refused_stage_change_raises_no_event(receiver, staff):
    subscribe(receiver.url, ["project.stage_changed"])
    project = ProjectFactory(stage="construction")
    with pytest.raises(services.ServiceForbidden):
        services.project_change_stage(project=project, to_stage="lead", user=staff)  # backward: managers only
    assert WebhookEvent.objects.count() == 0


def test_a_confidential_project_is_named_by_its_code_name_only(receiver, staff):
    subscribe(receiver.url, ["project.stage_changed"])
    project = ProjectFactory(name="某世界五百强电池基地", code_name="A1 项目", is_confidential=True, stage="lead")
    services.project_change_stage(project=project, to_stage="negotiating", user=staff)
    deliver_due()
    [request] = receiver.requests
    assert "某世界五百强" not in request.body.decode()
    assert verify(request)["data"]["project"]["name"] == "A1 项目"


def test_nothing_is_written_when_nobody_subscribes(staff):
    services.project_change_stage(project=ProjectFactory(stage="lead"), to_stage="negotiating", user=staff)
    assert WebhookEvent.objects.count() == 0


def test_a_disabled_subscription_gets_nothing(receiver, staff):
    subscribe(receiver.url, ["project.stage_changed"], is_active=False)
    services.project_change_stage(project=ProjectFactory(stage="lead"), to_stage="negotiating", user=staff)
    deliver_due()
    assert receiver.requests == []

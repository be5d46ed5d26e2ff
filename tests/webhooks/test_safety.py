"""Internal targets refused (on save and on delivery), timeouts, and disabling after failures."""

import time

import pytest
from django.core import mail

from crm import services
from crm.models import WebhookDelivery, WebhookSubscription
from crm.webhooks.delivery import deliver_due
from crm.webhooks.transport import TargetRefused, resolve
from tests.factories import ProjectFactory, UserFactory
from tests.webhooks.conftest import SECRET, subscribe

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/"


@pytest.fixture
def staff(db):
    return UserFactory(username="wangfang", full_name="王芳", role="editor")


def a_stage_change(user):
    services.project_change_stage(project=ProjectFactory(stage="lead"), to_stage="negotiating", user=user)


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.20/hook",
        "http://172.16.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fe80::1]/hook",
        "http://224.0.0.1/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
    ],
)
def test_an_internal_target_is_refused_on_save_naming_the_url(api, settings, target):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = api.post(
        URL, {"name": "内网", "url": target, "events": ["agreement.signed"], "secret": SECRET}, format="json"
    )
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["url"]
    assert "不允许" in response.json()["url"][0]
    assert WebhookSubscription.objects.count() == 0


def test_a_public_address_is_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    assert resolve("https://8.8.8.8/hook") == ["8.8.8.8"]


@pytest.mark.parametrize("target", ["ftp://8.8.8.8/x", "file:///etc/passwd", "http://no-such-host.invalid/x"])
def test_other_schemes_and_unknown_hosts_are_refused(target):
    with pytest.raises(TargetRefused):
        resolve(target)


def test_a_target_that_became_internal_is_refused_at_delivery(receiver, staff, settings):
    # Saved while allowed; by the time of delivery the name points inside (DNS rebinding).
    subscribe(receiver.url, ["project.stage_changed"])
    a_stage_change(staff)
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    result = deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert receiver.requests == []
    assert result["retried"] == 1
    assert delivery.status == "pending" and "不允许" in delivery.last_error


def test_a_slow_receiver_times_out_and_the_delivery_is_retried(receiver, staff, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    receiver.delay = 3
    subscribe(receiver.url, ["project.stage_changed"])
    a_stage_change(staff)
    started = time.monotonic()
    deliver_due()
    assert time.monotonic() - started < 2.5
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending"
    assert "timed out" in delivery.last_error.lower()


def test_a_subscription_failing_too_often_in_a_row_is_disabled_and_its_owner_told(
    receiver, staff, manager, settings, api
):
    settings.WEBHOOK_BACKOFF_SECONDS = [0]
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    receiver.default = (500, b"error")
    subscription = subscribe(receiver.url, ["project.stage_changed"], name="市数据平台", owner=manager)
    a_stage_change(staff)
    a_stage_change(staff)

    for _ in range(4):
        deliver_due()

    subscription.refresh_from_db()
    assert len(receiver.requests) == 3  # the third failure in a row disabled it
    assert (subscription.is_active, subscription.consecutive_failures) == (False, 3)
    assert subscription.disabled_at is not None and "3" in subscription.disabled_reason
    [email] = mail.outbox
    assert email.to == [manager.email]
    assert "市数据平台" in email.subject and "已停用" in email.subject
    assert "/hook" in email.body and "未发送的消息会保留" in email.body
    assert WebhookDelivery.objects.filter(status="pending").count() == 2  # kept, not lost

    # A manager enables it again: the count starts over and the kept deliveries go out.
    receiver.default = (200, b"ok")
    response = api.patch(
        f"{URL}{subscription.pk}/", {"is_active": True, "version": subscription.version}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["consecutive_failures"], response.json()["disabled_at"]) == (0, None)
    deliver_due()
    assert WebhookDelivery.objects.filter(status="delivered").count() == 2
    assert len(mail.outbox) == 1


def test_a_success_resets_the_failures_in_a_row(receiver, staff, settings):
    settings.WEBHOOK_BACKOFF_SECONDS = [0]
    receiver.answers = [(500, b"")] * 2
    subscription = subscribe(receiver.url, ["project.stage_changed"])
    a_stage_change(staff)
    for _ in range(3):
        deliver_due()
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0
    assert WebhookDelivery.objects.get().status == "delivered"

"""The admin of webhooks: managers only, the secret never shown, internal targets refused."""

import pytest
from django.core import mail
from django.urls import reverse

from crm.models import WebhookDelivery, WebhookSubscription
from crm.webhooks.delivery import deliver_due, notify_owner
from tests.admin.conftest import signed_in, staff
from tests.factories import UserFactory
from tests.webhooks.conftest import SECRET, subscribe
from tests.webhooks.factories import WebhookDeliveryFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:crm_webhooksubscription_add")


def form(receiver_url, **fields):
    return {
        "name": "企业微信工作群",
        "channel": "generic",
        "url": receiver_url,
        "events": ["agreement.signed", "project.stage_changed"],
        "is_active": "on",
        "new_secret": SECRET,
    } | fields


def test_a_manager_adds_a_subscription_and_its_secret_is_not_shown_again(receiver):
    manager = staff("manager")
    client = signed_in(manager)
    response = client.post(ADD, form(receiver.url))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    subscription = WebhookSubscription.objects.get()
    assert (subscription.secret, subscription.owner) == (SECRET, manager)
    page = client.get(reverse("admin:crm_webhooksubscription_change", args=[subscription.pk]))
    assert page.status_code == 200
    assert SECRET not in page.content.decode()
    assert SECRET[-4:] in page.content.decode()


def test_the_admin_refuses_an_internal_target(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = signed_in(staff("manager")).post(ADD, form("http://169.254.169.254/latest/"))
    assert response.status_code == 200
    assert "url" in response.context["adminform"].form.errors
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_editors_and_viewers_do_not_see_webhooks_in_the_admin(role, receiver):
    client = signed_in(staff(role))
    subscribe(receiver.url, ["agreement.signed"])
    assert client.get(reverse("admin:crm_webhooksubscription_changelist")).status_code == 403
    assert client.get(reverse("admin:crm_webhookdelivery_changelist")).status_code == 403
    assert client.post(ADD, form(receiver.url)).status_code == 403


def test_a_manager_retries_failed_deliveries_from_the_admin(receiver):
    delivery = WebhookDeliveryFactory(
        status="failed", attempts=8, subscription=subscribe(receiver.url, ["agreement.signed"])
    )
    client = signed_in(staff("manager"))
    response = client.post(
        reverse("admin:crm_webhookdelivery_changelist"),
        {"action": "retry_now", "_selected_action": [delivery.pk]},
    )
    assert response.status_code == 302
    deliver_due()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    assert len(receiver.requests) == 1


def test_an_english_speaking_owner_is_told_in_english(receiver):
    owner = UserFactory(language="en", email="owner@bureau.example.cn")
    subscription = subscribe(f"{receiver.url}?key=robot-key", ["agreement.signed"], owner=owner, name="Dashboard")
    notify_owner(subscription, 10, "HTTP 500")
    [email] = mail.outbox
    assert email.subject == '[CRM] Webhook subscription "Dashboard" was disabled'
    assert "robot-key" not in email.body  # a robot's key stays out of emails
    assert WebhookDelivery.objects.count() == 0

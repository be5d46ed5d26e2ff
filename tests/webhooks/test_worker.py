"""A delivery through the real Celery worker and the real Redis broker, queued on commit."""

import time

import pytest
from django.db import close_old_connections

from crm import services
from crm.models import WebhookDelivery
from tests.factories import ProjectFactory, UserFactory
from tests.webhooks.conftest import SECRET, subscribe


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        close_old_connections()
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_committed_change_is_delivered_by_the_worker_once(celery_worker, receiver, settings):
    settings.WEBHOOK_DELIVER_ON_COMMIT = True  # the task is queued when the change commits
    staff = UserFactory(role="editor")
    subscribe(receiver.url, ["project.stage_changed"])
    project = ProjectFactory(name="智能制造项目", stage="lead")

    services.project_change_stage(project=project, to_stage="negotiating", user=staff)

    [request] = receiver.wait_for(1)
    assert request.json()["data"]["project"]["name"] == "智能制造项目"
    assert request.headers["X-CRM-Signature"].startswith("sha256=")
    wait_until(lambda: WebhookDelivery.objects.get().status == "delivered")

    from crm.tasks import deliver_webhooks

    deliver_webhooks.delay()  # the beat's sweep a minute later: nothing is left to send
    time.sleep(2)
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().attempts == 1
    assert SECRET not in request.body.decode()

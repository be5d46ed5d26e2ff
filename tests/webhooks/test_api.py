"""``/api/v1/webhooks/``: managers only, the secret write-only, bad input answered 400 by field."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm import services
from crm.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from crm.webhooks.delivery import deliver_due
from tests.factories import ProjectFactory, UserFactory
from tests.webhooks.conftest import SECRET, subscribe

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/"


def payload(receiver, **fields):
    return {"name": "市大数据平台", "url": receiver.url, "events": ["agreement.signed"], "secret": SECRET} | fields


def test_a_manager_creates_a_subscription_and_never_reads_its_secret_back(api, manager, receiver):
    response = api.post(URL, payload(receiver, channel="generic"), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert "secret" not in body
    assert SECRET not in response.content.decode()
    assert body["secret_hint"] == "••••" + SECRET[-4:]
    assert (body["owner"], body["is_active"], body["events"], body["version"]) == (
        manager.pk,
        True,
        ["agreement.signed"],
        1,
    )
    assert response["ETag"] == '"1"'
    stored = WebhookSubscription.objects.get()
    assert stored.secret == SECRET
    for read in (api.get(f"{URL}{stored.pk}/"), api.get(URL)):
        assert SECRET not in read.content.decode()


def test_a_manager_changes_and_deletes_a_subscription_with_a_precondition(api, receiver):
    subscription = subscribe(receiver.url, ["agreement.signed"])
    detail = f"{URL}{subscription.pk}/"
    assert api.patch(detail, {"name": "新名称"}, format="json").status_code == 428
    assert api.patch(detail, {"name": "新名称"}, format="json", HTTP_IF_MATCH='"9"').status_code == 412
    response = api.patch(detail, {"events": ["project.stage_changed"]}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    subscription.refresh_from_db()
    assert subscription.events == ["project.stage_changed"]
    assert subscription.secret == SECRET  # kept when not sent
    response = api.patch(detail, {"secret": "another-secret-of-16+"}, format="json", HTTP_IF_MATCH='"2"')
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.secret == "another-secret-of-16+"
    assert api.delete(detail, HTTP_IF_MATCH='"3"').status_code == 204
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize("who", ["editor_api", "viewer_api", "nobody_api"])
def test_only_managers_may_see_or_touch_webhooks(request, who, receiver):
    client = request.getfixturevalue(who)
    subscription = subscribe(receiver.url, ["agreement.signed"])
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{subscription.pk}/").status_code == 403
    assert client.get(f"{URL}{subscription.pk}/deliveries/").status_code == 403
    assert client.post(URL, payload(receiver), format="json").status_code == 403
    assert client.delete(f"{URL}{subscription.pk}/", HTTP_IF_MATCH="*").status_code == 403
    assert WebhookSubscription.objects.count() == 1


def test_anonymous_requests_get_401(anon_api, receiver):
    subscription = subscribe(receiver.url, ["agreement.signed"])
    assert anon_api.get(URL).status_code == 401
    assert anon_api.get(f"{URL}{subscription.pk}/deliveries/").status_code == 401
    assert anon_api.post(URL, payload(receiver), format="json").status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"url": "not a url"}, "url"),
        ({"url": "ftp://8.8.8.8/x"}, "url"),
        ({"url": "http://no-such-host.invalid/x"}, "url"),
        ({"url": None}, "url"),
        ({"events": []}, "events"),
        ({"events": ["agreement.burned"]}, "events"),
        ({"events": "agreement.signed"}, "events"),
        ({"events": [1]}, "events"),
        ({"channel": "telegram"}, "channel"),
        ({"secret": "short"}, "secret"),
        ({"secret": ""}, "secret"),
        ({"secret": "sixteen-chars-\x00-nul"}, "secret"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"is_active": "maybe"}, "is_active"),
        ({"user": 999999}, "user"),
        ({"user": "1.5"}, "user"),
        ({"events": ["reminder.digest"]}, "user"),  # a digest is personal: it needs its user
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, receiver, change, field):
    response = api.post(URL, payload(receiver) | change, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert WebhookSubscription.objects.count() == 0


def test_a_robot_needs_no_secret_and_a_digest_may_go_to_a_users_group(api, receiver, editor):
    body = payload(receiver, channel="wecom", events=["reminder.digest"], user=editor.pk)
    del body["secret"]
    response = api.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["secret_hint"], response.json()["user"]) == ("", editor.pk)


def test_deliveries_list_status_attempts_and_the_last_answer(api, receiver, editor, settings):
    receiver.answers = [(500, b"try later")]
    settings.WEBHOOK_BACKOFF_SECONDS = [3600]
    subscription = subscribe(receiver.url, ["project.stage_changed"])
    services.project_change_stage(project=ProjectFactory(stage="lead"), to_stage="negotiating", user=editor)
    services.project_change_stage(project=ProjectFactory(stage="lead"), to_stage="negotiating", user=editor)
    deliver_due()

    response = api.get(f"{URL}{subscription.pk}/deliveries/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert response.json()["count"] == 2
    assert sorted((r["status"], r["attempts"], r["last_status_code"]) for r in rows) == [
        ("delivered", 1, 200),
        ("pending", 1, 500),
    ]
    failed = next(r for r in rows if r["status"] == "pending")
    assert failed["last_response"] == "try later" and "HTTP 500" in failed["last_error"]
    assert failed["event_type"] == "project.stage_changed"
    only = api.get(f"{URL}{subscription.pk}/deliveries/", {"status": "delivered"}).json()
    assert [r["status"] for r in only["results"]] == ["delivered"]
    assert api.get(f"{URL}{subscription.pk}/deliveries/", {"status": "lost"}).status_code == 400
    assert api.get(f"{URL}999999/deliveries/").status_code == 404


def many_subscriptions(n, receiver, owner):
    WebhookSubscription.objects.bulk_create(
        [
            WebhookSubscription(name="群", url=receiver.url, events=["agreement.signed"], owner=owner, user=owner)
            for _ in range(n)
        ]
    )
    return URL


def many_deliveries(n, receiver, owner):
    subscription = WebhookSubscription.objects.filter(name="投递").first() or subscribe(
        receiver.url, ["agreement.signed"], name="投递"
    )
    events = WebhookEvent.objects.bulk_create(
        [WebhookEvent(type="agreement.signed", dedupe_key=f"k{WebhookEvent.objects.count()}-{i}") for i in range(n)]
    )
    from django.utils import timezone

    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(event=e, subscription=subscription, next_attempt_at=timezone.now()) for e in events]
    )
    return f"{URL}{subscription.pk}/deliveries/"


@pytest.mark.parametrize("build", [many_subscriptions, many_deliveries])
def test_a_list_costs_the_same_few_queries_for_10_rows_and_for_50(api, manager, receiver, build):
    counts = []
    for rows in (10, 40):
        url = build(rows, receiver, manager)
        with CaptureQueriesContext(connection) as queries:
            response = api.get(url, {"page_size": 50})
        assert response.status_code == 200, response.content
        assert len(response.json()["results"]) >= min(rows, 50)
        counts.append(len(queries))
    # Expected: token+user+roles; (deliveries: the subscription); the page with its count.
    assert counts[0] == counts[1], "\n".join(q["sql"] for q in queries.captured_queries)
    assert counts[1] <= 3, "\n".join(q["sql"] for q in queries.captured_queries)


def test_users_and_their_digests_stay_apart(receiver, other_receiver):
    li, wang = UserFactory(), UserFactory()
    subscribe(receiver.url, ["reminder.digest"], user=li)
    subscribe(other_receiver.url, ["reminder.digest", "project.stage_changed"])  # no user: no digests
    assert WebhookSubscription.objects.get(user=li).wants("reminder.digest", li.pk)
    assert not WebhookSubscription.objects.get(user=li).wants("reminder.digest", wang.pk)
    assert not WebhookSubscription.objects.get(user=None).wants("reminder.digest", li.pk)

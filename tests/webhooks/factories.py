"""Factories of the webhook models, for the generic admin and fuzz suites as for these tests."""

import factory
from django.utils import timezone

from crm import models


class WebhookSubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.WebhookSubscription

    name = factory.Sequence(lambda n: f"招商数据平台{n}")
    channel = "generic"
    url = "https://hooks.example.cn/crm"
    events = ["agreement.signed", "project.stage_changed"]
    secret = "factory-secret-0123456789"


class WebhookEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.WebhookEvent

    type = "agreement.signed"
    dedupe_key = factory.Sequence(lambda n: f"agreement.signed:factory-{n}")
    object_type = "agreement"
    object_id = 1
    payload = factory.LazyFunction(lambda: {"agreement": {"id": 1, "title": "投资协议"}})


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.WebhookDelivery

    event = factory.SubFactory(WebhookEventFactory)
    subscription = factory.SubFactory(WebhookSubscriptionFactory)
    next_attempt_at = factory.LazyFunction(timezone.now)

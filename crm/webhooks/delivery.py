"""The delivery sweep, built like the reminders' one (``crm/reminders/``).

1. **Claim.** Each due delivery is taken with a conditional UPDATE that sets a claim token and a
   lease (and counts the attempt); a delivery whose lease ran out (its sender died) is due again.
2. **Send.** One POST, bounded by ``WEBHOOK_TIMEOUT_SECONDS``; the target is checked again first.
3. **Mark.** A compare-and-set on the token marks it delivered, or puts it back with a backoff
   kept in the row; after ``WEBHOOK_MAX_ATTEMPTS`` it is failed and stays visible.

A subscription that fails ``WEBHOOK_DISABLE_AFTER_FAILURES`` attempts in a row is disabled (its
pending deliveries wait, nothing is lost) and its owner gets an email. Deliveries of a disabled
subscription are not sent until a manager enables it again.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from ..backoff import retry_delay
from ..models import WebhookDelivery, WebhookDeliveryStatus, WebhookSubscription
from . import channels, transport

logger = logging.getLogger(__name__)

# A sweep stops claiming after this long, well inside the Celery task's soft time limit.
SWEEP_BUDGET_SECONDS = 150


@dataclass
class DeliveryResult:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    disabled: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "errors"} | {"errors": self.errors[:5]}


def _claimable(now: dt.datetime) -> Q:
    return Q(status=WebhookDeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=WebhookDeliveryStatus.SENDING, claimed_until__lt=now
    )


def claim(pk: int, now: dt.datetime) -> uuid.UUID | None:
    """Take one due delivery; None when another sweep has it (or it is no longer due)."""
    token = uuid.uuid4()
    lease = max(now, timezone.now()) + dt.timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
    taken = WebhookDelivery.objects.filter(_claimable(now), pk=pk, subscription__is_active=True).update(
        status=WebhookDeliveryStatus.SENDING,
        claim_token=token,
        claimed_until=lease,
        attempts=F("attempts") + 1,
        updated_at=timezone.now(),
    )
    return token if taken else None


def _finish(pk: int, token: uuid.UUID, **values) -> int:
    """Compare-and-set: only a delivery still held under ``token`` changes."""
    return WebhookDelivery.objects.filter(pk=pk, claim_token=token, status=WebhookDeliveryStatus.SENDING).update(
        claim_token=None, claimed_until=None, updated_at=timezone.now(), **values
    )


def deliver_due(now: dt.datetime | None = None, limit: int | None = None) -> dict:
    """Send every due delivery (at most ``limit``), oldest first. Safe to run many times at once."""
    now = now or timezone.now()
    limit = settings.WEBHOOK_MAX_PER_SWEEP if limit is None else limit
    started = time.monotonic()
    result = DeliveryResult()
    due = list(
        WebhookDelivery.objects.filter(_claimable(now), subscription__is_active=True)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        if time.monotonic() - started > SWEEP_BUDGET_SECONDS:
            break
        token = claim(pk, now)
        if token is None:
            continue
        delivery = WebhookDelivery.objects.select_related("event", "subscription").get(pk=pk)
        attempt(delivery, token, now, result)
    return result.as_dict()


def attempt(delivery: WebhookDelivery, token: uuid.UUID, now: dt.datetime, result: DeliveryResult) -> None:
    subscription = delivery.subscription
    status_code, answer, error = None, "", None
    try:
        outgoing = channels.build(delivery, time.time())
        reply = transport.post(outgoing.url, outgoing.body, outgoing.headers)
    except (transport.TargetRefused, transport.TransportError) as exc:
        error = str(exc)
    else:
        status_code, answer = reply.status, reply.body[:2000]
        error = channels.refusal(subscription.channel, reply.status, reply.body)
    if error is None:
        result.delivered += _finish(
            delivery.pk,
            token,
            status=WebhookDeliveryStatus.DELIVERED,
            delivered_at=timezone.now(),
            last_status_code=status_code,
            last_response=answer,
            last_error="",
        )
        WebhookSubscription.objects.filter(pk=subscription.pk, consecutive_failures__gt=0).update(
            consecutive_failures=0
        )
        return
    result.errors.append(error)
    logger.info("webhook delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, error)
    values = {"last_status_code": status_code, "last_response": answer, "last_error": error[:2000]}
    if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        result.failed += _finish(delivery.pk, token, status=WebhookDeliveryStatus.FAILED, **values)
    else:
        delay = retry_delay(settings.WEBHOOK_BACKOFF_SECONDS, delivery.attempts)
        result.retried += _finish(
            delivery.pk,
            token,
            status=WebhookDeliveryStatus.PENDING,
            next_attempt_at=max(now, timezone.now()) + delay,
            **values,
        )
    result.disabled += _count_failure(subscription, error)


def _count_failure(subscription: WebhookSubscription, error: str) -> int:
    """One more failure in a row; at the bound the subscription is disabled and its owner told."""
    rows = WebhookSubscription.objects.filter(pk=subscription.pk)
    rows.update(consecutive_failures=F("consecutive_failures") + 1)
    failures = rows.values_list("consecutive_failures", flat=True).first() or 0
    if failures < settings.WEBHOOK_DISABLE_AFTER_FAILURES:
        return 0
    reason = f"连续失败 {failures} 次后自动停用。 Disabled after {failures} failures in a row. {error}"[:2000]
    # Conditional: of two sweeps that reach the bound together, one disables and tells the owner.
    disabled = rows.filter(is_active=True).update(
        is_active=False,
        disabled_at=timezone.now(),
        disabled_reason=reason,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    if disabled:
        notify_owner(WebhookSubscription.objects.select_related("owner").get(pk=subscription.pk), failures, error)
    return disabled


def notify_owner(subscription: WebhookSubscription, failures: int, error: str) -> None:
    owner = subscription.owner
    if owner is None or not owner.email or not owner.is_active:
        logger.warning("webhook subscription %s disabled; its owner cannot be told by email", subscription.pk)
        return
    with translation.override(owner.language or "zh-hans"):
        subject = gettext("【招商CRM】Webhook 订阅“%(name)s”已停用") % {"name": subscription.name}
        body = gettext(
            "%(owner)s，您好：\n\n您负责的 Webhook 订阅“%(name)s”（%(url)s）已连续失败 %(failures)d 次，"
            "系统已将其停用，未发送的消息会保留。\n\n最近一次错误：%(error)s\n\n"
            "请检查目标地址后在 CRM 中重新启用该订阅：%(link)s\n"
        ) % {
            "owner": owner,
            "name": subscription.name,
            "url": _without_query(subscription.url),
            "failures": failures,
            "error": error[:500],
            "link": f"{settings.SITE_URL}/admin/crm/webhooksubscription/{subscription.pk}/change/",
        }
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [owner.email])
    except Exception:
        logger.exception("could not tell the owner of webhook subscription %s", subscription.pk)


def _without_query(url: str) -> str:
    """A robot's URL carries its key in the query: an email shows the URL without it."""
    return url.split("?", 1)[0]


def retry_failed(*, ids, now: dt.datetime | None = None) -> int:
    """Failed deliveries start again: pending, attempts reset, due now."""
    now = now or timezone.now()
    return WebhookDelivery.objects.filter(pk__in=list(ids), status=WebhookDeliveryStatus.FAILED).update(
        status=WebhookDeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        claim_token=None,
        claimed_until=None,
        updated_at=now,
    )

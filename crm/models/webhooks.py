"""Webhooks: the event outbox, who subscribes to which events, and each delivery's state.

An event is written in the same transaction as the change that caused it, with one delivery row
per subscriber that wants it; the sweep (``crm/webhooks/delivery.py``) sends them. The unique key
(event, subscription) makes a second delivery of the same event to the same subscriber impossible.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import TrackedModel


class WebhookEventType(models.TextChoices):
    AGREEMENT_SIGNED = "agreement.signed", _("协议签约")
    PROJECT_STAGE_CHANGED = "project.stage_changed", _("项目阶段变更")
    MILESTONE_OVERDUE = "milestone.overdue", _("节点逾期")
    MILESTONE_ESCALATED = "milestone.escalated", _("节点逾期督办")
    REQUEST_OPENED = "partner_request.opened", _("企业诉求提出")
    REQUEST_RESOLVED = "partner_request.resolved", _("企业诉求办结")
    REMINDER_DIGEST = "reminder.digest", _("提醒汇总")


class WebhookChannel(models.TextChoices):
    GENERIC = "generic", _("通用 JSON Webhook（HMAC 签名）")
    WECOM = "wecom", _("企业微信群机器人")
    DINGTALK = "dingtalk", _("钉钉自定义机器人")
    FEISHU = "feishu", _("飞书自定义机器人")


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("发送失败")
    CANCELLED = "cancelled", _("已取消")


class WebhookSubscription(TrackedModel):
    """A target that hears of the events it chose: a system's URL or a chat group's robot."""

    name = models.CharField(_("名称"), max_length=200)
    channel = models.CharField(_("渠道"), max_length=16, choices=WebhookChannel.choices, default=WebhookChannel.GENERIC)
    url = models.URLField(_("目标地址"), max_length=1000)
    events = models.JSONField(_("订阅的事件"), default=list)
    secret = models.CharField(
        _("密钥"),
        max_length=200,
        blank=True,
        help_text=_("通用 Webhook 用于 HMAC 签名；钉钉、飞书机器人为“加签”密钥（可空）。保存后不再完整显示。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("只发送与该用户有关的事件"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_subscriptions",
        help_text=_("例如某人的提醒汇总发到他的群；留空则发送全部所选事件（提醒汇总除外）。"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_webhooks",
        help_text=_("订阅因连续失败被停用时，通知此人。"),
    )
    consecutive_failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    disabled_at = models.DateTimeField(_("自动停用时间"), null=True, blank=True)
    disabled_reason = models.TextField(_("停用原因"), blank=True)

    class Meta:
        verbose_name = _("Webhook 订阅")
        verbose_name_plural = _("Webhook 订阅")
        ordering = ["name", "id"]

    def __str__(self):
        return f"{self.name}（{self.get_channel_display()}）"

    def wants(self, event_type: str, user_id: int | None) -> bool:
        """Whether an event of ``event_type`` concerning ``user_id`` goes to this subscription."""
        if not self.is_active or event_type not in (self.events or []):
            return False
        if self.user_id is not None:
            return self.user_id == user_id
        return event_type != WebhookEventType.REMINDER_DIGEST  # a digest is personal: only to its user's group

    @property
    def secret_hint(self) -> str:
        return self.hint_of(self.secret)

    @staticmethod
    def hint_of(secret: str) -> str:
        """A secret as the API and the admin show it: its last four characters at most."""
        if not secret:
            return ""
        return "••••" + (secret[-4:] if len(secret) >= 12 else "")


class WebhookEvent(models.Model):
    """Something happened that subscribers may want to hear of (the outbox)."""

    uuid = models.UUIDField(_("事件编号"), default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(_("事件"), max_length=40, choices=WebhookEventType.choices)
    dedupe_key = models.CharField(_("去重键"), max_length=200, unique=True)
    object_type = models.CharField(_("对象类型"), max_length=40, blank=True)
    object_id = models.BigIntegerField(_("对象编号"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("相关用户"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    payload = models.JSONField(_("内容"), default=dict)
    created_at = models.DateTimeField(_("发生时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("Webhook 事件")
        verbose_name_plural = _("Webhook 事件")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="webhook_event_object_idx")]

    def __str__(self):
        return f"{self.get_type_display()} #{self.pk}"


class WebhookDelivery(models.Model):
    """One event on its way to one subscription, with its retry state and the last answer."""

    key = models.UUIDField(_("幂等键"), default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(WebhookEvent, verbose_name=_("事件"), on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        WebhookSubscription, verbose_name=_("订阅"), on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=WebhookDeliveryStatus.choices, default=WebhookDeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"))
    claim_token = models.UUIDField(_("领取标记"), null=True, blank=True, editable=False)
    claimed_until = models.DateTimeField(_("领取租约到期"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("最近响应状态码"), null=True, blank=True)
    last_response = models.TextField(_("最近响应内容"), blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("Webhook 投递")
        verbose_name_plural = _("Webhook 投递")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "subscription"], name="webhook_delivery_once"),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claim_token__isnull=False, claimed_until__isnull=False),
                name="webhook_sending_has_claim",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="webhook_delivery_due_idx",
            ),
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_sub_idx"),
        ]

    def __str__(self):
        return f"{self.event} → {self.subscription}"

"""The reminder queue: one row per (item, occurrence, recipient), so nothing is sent twice."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReminderSubject(models.TextChoices):
    MILESTONE = "milestone", _("节点")
    TASK = "task", _("跟进事项")
    REQUEST = "request", _("企业诉求")


class ReminderReason(models.TextChoices):
    BEFORE = "before", _("到期提醒")
    OVERDUE = "overdue", _("逾期提醒")
    ESCALATION = "escalation", _("逾期督办")


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    CANCELLED = "cancelled", _("已取消")
    SKIPPED = "skipped", _("已跳过")


class Reminder(models.Model):
    """A reminder that is due, being sent, sent, or given up, with its retry state."""

    subject = models.CharField(_("对象类型"), max_length=16, choices=ReminderSubject.choices)
    object_id = models.BigIntegerField(_("对象编号"))
    occurrence = models.CharField(_("提醒批次"), max_length=64)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("收件人"), on_delete=models.PROTECT, related_name="reminders"
    )
    reason = models.CharField(_("提醒类型"), max_length=16, choices=ReminderReason.choices)
    title = models.CharField(_("事项"), max_length=300)
    due_on = models.DateField(_("到期日"))
    scheduled_for = models.DateTimeField(_("计划发送时间"))
    status = models.CharField(_("状态"), max_length=16, choices=ReminderStatus.choices, default=ReminderStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"))
    claim_token = models.UUIDField(_("领取标记"), null=True, blank=True, editable=False)
    claimed_until = models.DateTimeField(_("领取租约到期"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    message_id = models.CharField(_("邮件 Message-ID"), max_length=200, blank=True)
    is_late = models.BooleanField(_("补发"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        ordering = ["-scheduled_for", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "object_id", "occurrence", "recipient"], name="reminder_once_per_occurrence"
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claim_token__isnull=False, claimed_until__isnull=False),
                name="reminder_sending_has_claim",
            ),
        ]
        indexes = [
            # The sweep's claim: only rows that may still be sent are indexed.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="reminder_due_idx",
            ),
            models.Index(fields=["subject", "object_id"], name="reminder_subject_idx"),
            models.Index(fields=["recipient", "status"], name="reminder_recipient_idx"),
            models.Index(fields=["scheduled_for", "id"], name="reminder_list_idx"),  # the list's order
        ]

    def __str__(self):
        return f"{self.get_subject_display()} {self.title} → {self.recipient}（{self.occurrence}）"

    def admin_path(self) -> str:
        """Where the admin shows the reminder's item."""
        model = {"milestone": "milestone", "task": "task", "request": "partnerrequest"}[self.subject]
        return f"/admin/crm/{model}/{self.object_id}/change/"


class ReminderSweep(models.Model):
    """One run of the sweep: when, and what it did. Kept for the health summary."""

    started_at = models.DateTimeField(_("开始时间"))
    planned = models.CharField(
        _("计划方式"),
        max_length=16,
        blank=True,
        help_text=_("full：当天首次扫描全部事项；incremental：只扫描上次以来变更的事项。"),
    )
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created = models.PositiveIntegerField(_("新建提醒"), default=0)
    sent = models.PositiveIntegerField(_("已发送"), default=0)
    emails = models.PositiveIntegerField(_("邮件数"), default=0)
    retried = models.PositiveIntegerField(_("待重试"), default=0)
    failed = models.PositiveIntegerField(_("失败"), default=0)
    cancelled = models.PositiveIntegerField(_("取消"), default=0)
    skipped = models.PositiveIntegerField(_("跳过"), default=0)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("提醒扫描记录")
        verbose_name_plural = _("提醒扫描记录")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["started_at"])]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M:%S}"

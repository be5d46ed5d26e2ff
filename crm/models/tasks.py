from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .base import TrackedModel
from .choices import TaskPriority, TaskStatus

DONE_AT_IFF_DONE = _("已完成的事项须有完成时间，其他状态没有。 A done task has a completion time; others have none.")


class Task(TrackedModel):
    """A follow-up task (跟进事项), usually born in a meeting."""

    title = models.CharField(_("事项"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_tasks",
    )
    due_on = models.DateField(_("截止日期"), null=True, blank=True)
    priority = models.CharField(_("优先级"), max_length=16, choices=TaskPriority.choices, default=TaskPriority.NORMAL)
    status = models.CharField(_("状态"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    company = models.ForeignKey(
        "crm.Company", verbose_name=_("相关企业"), null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    meeting = models.ForeignKey(
        "crm.Meeting", verbose_name=_("来源会见"), null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    agreement = models.ForeignKey(
        "crm.Agreement",
        verbose_name=_("相关协议"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    project = models.ForeignKey(
        "crm.Project", verbose_name=_("相关项目"), null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    search_text = models.TextField(editable=False, blank=True, default="")
    history = HistoricalRecords(excluded_fields=["search_text"])

    search_source_fields = ("title",)

    class Meta:
        verbose_name = _("跟进事项")
        verbose_name_plural = _("跟进事项")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="done", done_at__isnull=False) | (~Q(status="done") & Q(done_at__isnull=True)),
                name="task_done_at_iff_done",
                violation_error_message=DONE_AT_IFF_DONE,
            )
        ]
        indexes = [
            models.Index(fields=["due_on"], condition=Q(status__in=["open", "in_progress"]), name="task_open_due_idx"),
            models.Index(fields=["updated_at"], name="task_updated_idx"),
            models.Index(fields=["due_on", "id"], name="task_list_idx"),  # the list's order
        ]

    def __str__(self):
        return self.title

    @staticmethod
    def overdue_condition(today) -> Q:
        """Overdue on ``today``: open or in progress, and due before it."""
        return Q(status__in=[TaskStatus.OPEN, TaskStatus.IN_PROGRESS], due_on__lt=today)

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .base import TrackedModel
from .choices import MeetingKind, RequestStatus
from .companies import Company, Contact

TRIP_ENDS_BEFORE_START = _("返回日期不能早于出发日期。 The end date cannot be before the start date.")
MEETING_ENDS_BEFORE_START = _("结束时间不能早于开始时间。 The end cannot be before the start.")
RESOLVED_BEFORE_RAISED = _("办结日期不能早于提出日期。 It cannot be resolved before it was raised.")


class Trip(TrackedModel):
    """A delegation's journey to another city (代表团出访)."""

    title = models.CharField(_("名称"), max_length=200)
    destination = models.CharField(_("目的地"), max_length=100)
    start_date = models.DateField(_("出发日期"))
    end_date = models.DateField(_("返回日期"))
    leader = models.ForeignKey(
        Contact, verbose_name=_("带队领导"), null=True, blank=True, on_delete=models.PROTECT, related_name="led_trips"
    )
    members = models.ManyToManyField(Contact, verbose_name=_("团员"), blank=True, related_name="trips")
    purpose = models.TextField(_("目的"), blank=True)
    summary = models.TextField(_("总结"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_trips",
    )
    search_text = models.TextField(editable=False, blank=True, default="")
    history = HistoricalRecords(m2m_fields=[members], excluded_fields=["search_text"])

    search_source_fields = ("title", "destination")

    class Meta:
        verbose_name = _("出访")
        verbose_name_plural = _("出访")
        ordering = ["-start_date", "-id"]
        # The list's order, for its page ids (docs/performance.md).
        indexes = [models.Index(fields=["start_date", "id"], name="trip_list_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="trip_end_after_start",
                violation_error_message=TRIP_ENDS_BEFORE_START,
            )
        ]

    def __str__(self):
        return f"{self.title}（{self.start_date:%Y-%m-%d}）"


class Meeting(TrackedModel):
    """A talk, visit, negotiation or conference with one or more partners."""

    title = models.CharField(_("标题"), max_length=200)
    kind = models.CharField(_("形式"), max_length=32, choices=MeetingKind.choices, default=MeetingKind.TALK)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    location = models.CharField(_("地点"), max_length=200, blank=True)
    trip = models.ForeignKey(
        Trip, verbose_name=_("所属出访"), null=True, blank=True, on_delete=models.PROTECT, related_name="meetings"
    )
    companies = models.ManyToManyField(Company, verbose_name=_("参会单位"), blank=True, related_name="meetings")
    attendees = models.ManyToManyField(Contact, verbose_name=_("参会人员"), blank=True, related_name="meetings")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_meetings",
    )
    summary = models.TextField(_("纪要"), blank=True)
    outcomes = models.TextField(_("成果"), blank=True)
    search_text = models.TextField(editable=False, blank=True, default="")
    history = HistoricalRecords(m2m_fields=[companies, attendees], excluded_fields=["search_text"])

    search_source_fields = ("title", "location")

    class Meta:
        verbose_name = _("会见活动")
        verbose_name_plural = _("会见活动")
        ordering = ["-starts_at", "-id"]
        # The list's order, for its page ids (docs/performance.md).
        indexes = [models.Index(fields=["starts_at", "id"], name="meeting_list_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=F("starts_at")),
                name="meeting_end_after_start",
                violation_error_message=MEETING_ENDS_BEFORE_START,
            )
        ]

    def __str__(self):
        return self.title


class PartnerRequest(TrackedModel):
    """Something a partner asked the city for (企业诉求), tracked until it is answered."""

    company = models.ForeignKey(Company, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="requests")
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("提出场合"), null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    raised_on = models.DateField(_("提出日期"))
    category = models.CharField(_("类别"), max_length=50, blank=True)
    description = models.TextField(_("诉求内容"))
    status = models.CharField(_("状态"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_requests",
    )
    due_on = models.DateField(_("办结期限"), null=True, blank=True)
    resolved_on = models.DateField(_("办结日期"), null=True, blank=True)
    resolution = models.TextField(_("办理结果"), blank=True)
    search_text = models.TextField(editable=False, blank=True, default="")
    history = HistoricalRecords(excluded_fields=["search_text"])

    search_source_fields = ("category", "description")

    class Meta:
        verbose_name = _("企业诉求")
        verbose_name_plural = _("企业诉求")
        ordering = ["-raised_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=F("raised_on")),
                name="request_resolved_after_raised",
                violation_error_message=RESOLVED_BEFORE_RAISED,
            )
        ]
        indexes = [
            models.Index(fields=["updated_at"], name="request_updated_idx"),
            models.Index(fields=["raised_on", "id"], name="request_list_idx"),  # the list's order
        ]

    def __str__(self):
        return f"{self.company}：{self.description[:30]}"

    @staticmethod
    def overdue_condition(today) -> Q:
        """Overdue on ``today``: open or in progress, and due before it."""
        return Q(status__in=[RequestStatus.OPEN, RequestStatus.IN_PROGRESS], due_on__lt=today)

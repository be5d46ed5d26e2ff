from decimal import Decimal
from functools import cache

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .base import TrackedModel
from .choices import MilestoneKind, ProjectKind, ProjectStage
from .companies import Company, Industry
from .validators import MAX_AMOUNT

AMOUNT_VALIDATORS = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(MAX_AMOUNT))]


def amount_field(verbose_name, **kwargs):
    """CNY yuan with fen; at most 10^14 yuan."""
    return models.DecimalField(verbose_name, max_digits=17, decimal_places=2, validators=AMOUNT_VALIDATORS, **kwargs)


AMOUNT_RANGE = _("金额应在 0 到 100 万亿元之间。 An amount lies between 0 and 10^14 yuan.")
ARRIVAL_RANGE = _("到位金额应大于 0 且不超过 100 万亿元。 An arrival is more than 0 and at most 10^14 yuan.")


def amount_range(field: str) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 0, f"{field}__lte": MAX_AMOUNT})


class ProjectQuerySet(models.QuerySet):
    def with_arrived(self, alias: str, zero: bool = False):
        """Annotate ``alias``: the capital arrived so far, the sum of the project's ledger (None
        without a line, or 0.00 with ``zero``), computed in the query."""
        return self.annotate(**{alias: arrived_capital(zero)})


class Project(TrackedModel):
    """An investment project followed from the first lead to full production."""

    name = models.CharField(_("项目名称"), max_length=200)
    code_name = models.CharField(_("项目代号"), max_length=100, blank=True)
    is_confidential = models.BooleanField(_("保密项目"), default=False)
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("项目组"), blank=True, related_name="project_teams"
    )
    company = models.ForeignKey(
        Company, verbose_name=_("投资方"), null=True, blank=True, on_delete=models.PROTECT, related_name="projects"
    )
    industries = models.ManyToManyField(Industry, verbose_name=_("产业"), blank=True, related_name="projects")
    kind = models.CharField(_("项目类型"), max_length=32, choices=ProjectKind.choices, default=ProjectKind.INDUSTRIAL)
    total_investment = amount_field(_("总投资（元）"), null=True, blank=True)
    contracted_investment = amount_field(_("合同投资（元）"), null=True, blank=True)
    jobs_planned = models.PositiveIntegerField(_("计划就业人数"), null=True, blank=True)
    location = models.CharField(_("落户地"), max_length=100, blank=True)
    stage = models.CharField(_("阶段"), max_length=32, choices=ProjectStage.choices, default=ProjectStage.LEAD)
    stage_changed_on = models.DateField(_("阶段变更日期"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_projects",
    )
    description = models.TextField(_("项目简介"), blank=True)
    search_text = models.TextField(editable=False, blank=True, default="")
    history = HistoricalRecords(m2m_fields=[industries, team], excluded_fields=["search_text"])

    search_source_fields = ("name", "code_name", "location")

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        ordering = ["-id"]
        # And on PostgreSQL, project_largest_idx (migration 0012): the largest projects first.
        indexes = [
            # The few confidential projects, read by every need-to-know check of a non-manager
            # (crm/access/rules.py) without reading the whole table.
            models.Index(fields=["owner", "id"], condition=Q(is_confidential=True), name="project_confidential_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=amount_range("total_investment"),
                name="project_total_investment_range",
                violation_error_message=AMOUNT_RANGE,
            ),
            models.CheckConstraint(
                condition=amount_range("contracted_investment"),
                name="project_contracted_investment_range",
                violation_error_message=AMOUNT_RANGE,
            ),
        ]

    def __str__(self):
        return self.name


class ProjectStageChange(models.Model):
    """One move of a project from one stage to another, with who, when and why."""

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("原阶段"), max_length=32, choices=ProjectStage.choices, blank=True)
    to_stage = models.CharField(_("新阶段"), max_length=32, choices=ProjectStage.choices)
    changed_on = models.DateField(_("变更日期"))
    changed_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("原因"), blank=True)
    is_correction = models.BooleanField(_("更正"), default=False)
    # Days the project stayed in ``to_stage``: from this move to its next one, set when the next
    # move is recorded (services.project_change_stage), empty while the project is still there.
    # The pipeline's median stays are read from it (docs/stats.md).
    stay_days = models.PositiveIntegerField(_("停留天数"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("阶段变更")
        verbose_name_plural = _("阶段变更")
        ordering = ["project", "changed_at", "id"]
        indexes = [
            models.Index(fields=["project", "changed_at"]),
            # The pipeline's ended stays, counted by stage and length without reading the table.
            models.Index(
                fields=["to_stage", "stay_days"],
                include=["project"],
                condition=Q(stay_days__isnull=False),
                name="stage_change_stay_idx",
            ),
            # The moves forward up to a day, and the few corrections that undo the moves before
            # them: the stages the reports' projects had reached.
            models.Index(
                fields=["to_stage", "changed_on"],
                include=["project", "changed_at", "id"],
                name="stage_change_reach_idx",
            ),
            models.Index(fields=["project"], condition=Q(is_correction=True), name="stage_change_correction_idx"),
        ]

    def __str__(self):
        return f"{self.project}：{self.get_from_stage_display()} → {self.get_to_stage_display()}"


class CapitalArrival(TrackedModel):
    """Capital that actually arrived for a project (资金到位), one ledger line each."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="capital_arrivals"
    )
    amount = amount_field(_("到位金额（元）"))
    arrived_on = models.DateField(_("到位日期"))
    note = models.TextField(_("说明"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("资金到位")
        verbose_name_plural = _("资金到位")
        ordering = ["-arrived_on", "-id"]
        # The list's order, for its page ids (docs/performance.md).
        indexes = [models.Index(fields=["arrived_on", "id"], name="arrival_list_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0, amount__lte=MAX_AMOUNT),
                name="capital_arrival_amount_range",
                violation_error_message=ARRIVAL_RANGE,
            )
        ]

    def __str__(self):
        return f"{self.project} {self.arrived_on:%Y-%m-%d} {self.amount}"


class Milestone(TrackedModel):
    """A date the city holds a project to (节点)."""

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="milestones")
    title = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=32, choices=MilestoneKind.choices, default=MilestoneKind.OTHER)
    due_on = models.DateField(_("计划日期"))
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_milestones",
    )
    notes = models.TextField(_("备注"), blank=True)
    search_text = models.TextField(editable=False, blank=True, default="")
    history = HistoricalRecords(excluded_fields=["search_text"])

    search_source_fields = ("title",)

    class Meta:
        verbose_name = _("节点")
        verbose_name_plural = _("节点")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["due_on"], condition=Q(done_on__isnull=True), name="milestone_open_due_idx"),
            # The reminder sweep re-plans the items changed since its last run.
            models.Index(fields=["updated_at"], name="milestone_updated_idx"),
            models.Index(fields=["due_on", "id"], name="milestone_list_idx"),  # the list's order
            # The KPIs' projects planned to start construction (to complete) in a year.
            models.Index(fields=["kind", "due_on"], include=["project"], name="milestone_kind_due_idx"),
        ]

    def __str__(self):
        return f"{self.project}：{self.title}"

    @staticmethod
    def overdue_condition(today) -> Q:
        """Overdue on ``today``: not done, and due before it (the list's ``overdue`` and its filter)."""
        return Q(done_on__isnull=True, due_on__lt=today)


@cache
def arrived_capital(zero: bool = False):
    """The capital arrived in a project so far: the sum of its ledger, None without a line (0.00
    with ``zero``), as a subquery of the project's row. Built once: a queryset resolves a copy of
    an expression, never the expression itself."""
    total = (
        CapitalArrival.objects.filter(project_id=OuterRef("pk"))
        .order_by()
        .values("project_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = models.DecimalField(max_digits=17, decimal_places=2)
    arrived = Subquery(total, output_field=money)
    return Coalesce(arrived, Value(Decimal("0.00")), output_field=money) if zero else arrived

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .base import TrackedModel
from .choices import AgreementKind, AgreementStatus
from .companies import Company
from .meetings import Meeting
from .projects import AMOUNT_RANGE, amount_field, amount_range


class Agreement(TrackedModel):
    """A signed (or to-be-signed) agreement between partners and home-side bodies."""

    title = models.CharField(_("协议名称"), max_length=300)
    kind = models.CharField(
        _("协议类型"), max_length=32, choices=AgreementKind.choices, default=AgreementKind.INVESTMENT
    )
    companies = models.ManyToManyField(Company, verbose_name=_("签约各方"), blank=True, related_name="agreements")
    signed_on = models.DateField(_("签约日期"), null=True, blank=True)
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("签约场合"), null=True, blank=True, on_delete=models.PROTECT, related_name="agreements"
    )
    project = models.ForeignKey(
        "crm.Project",
        verbose_name=_("涉及项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    amount = amount_field(_("协议金额（元）"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT)
    summary = models.TextField(_("主要内容"), blank=True)
    search_text = models.TextField(editable=False, blank=True, default="")
    history = HistoricalRecords(m2m_fields=[companies], excluded_fields=["search_text"])

    search_source_fields = ("title",)

    class Meta:
        verbose_name = _("协议")
        verbose_name_plural = _("协议")
        ordering = ["-signed_on", "-id"]
        # The list's order, for its page ids (docs/performance.md).
        indexes = [models.Index(fields=["signed_on", "id"], name="agreement_list_idx")]
        constraints = [
            models.CheckConstraint(
                condition=amount_range("amount"), name="agreement_amount_range", violation_error_message=AMOUNT_RANGE
            )
        ]

    def __str__(self):
        return self.title

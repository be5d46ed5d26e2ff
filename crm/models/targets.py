from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .base import TrackedModel
from .projects import AMOUNT_RANGE, amount_field
from .validators import MAX_AMOUNT

FIRST_YEAR, LAST_YEAR = 2000, 2100
YEAR_RANGE = _("年度应在 2000 到 2100 之间。 The year lies between 2000 and 2100.")


class InvestmentTarget(TrackedModel):
    """The signed investment a year should reach (年度签约目标), set by managers."""

    year = models.PositiveSmallIntegerField(
        _("年度"), unique=True, validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    amount = amount_field(_("签约总投资目标（元）"))
    note = models.TextField(_("说明"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("年度签约目标")
        verbose_name_plural = _("年度签约目标")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=Decimal(0), amount__lte=MAX_AMOUNT),
                name="investment_target_amount_range",
                violation_error_message=AMOUNT_RANGE,
            ),
            models.CheckConstraint(
                condition=Q(year__gte=FIRST_YEAR, year__lte=LAST_YEAR),
                name="investment_target_year_range",
                violation_error_message=YEAR_RANGE,
            ),
        ]

    def __str__(self):
        return f"{self.year}"

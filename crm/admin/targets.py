"""Annual signing targets (年度签约目标), set by managers; the dashboard measures the year against them."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import InvestmentTarget
from .base import CRMAdmin, amount_column


@admin.register(InvestmentTarget)
class InvestmentTargetAdmin(CRMAdmin):
    list_display = ["year", "amount_display", "note"]
    search_fields = ["note"]
    fields = ["year", "amount", "note"]

    amount_display = amount_column("amount", _("签约总投资目标"))

    def has_add_permission(self, request):
        return request.user.is_manager and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return request.user.is_manager and super().has_change_permission(request, obj)

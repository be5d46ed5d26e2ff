from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .base import TrackedModel
from .choices import CompanyKind
from .validators import FORTUNE500_RANGE, validate_country_code, validate_credit_code, validate_fortune500_rank

# A group under its own subsidiary, an industry under its own sub-industry.
CYCLE = _("不能形成循环的上下级关系。 This would make a cycle.")


class Industry(TrackedModel):
    """One link of the city's priority industry chains; industries form a tree."""

    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    code = models.SlugField(_("代码"), max_length=50, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级产业"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    search_text = models.TextField(editable=False, blank=True, default="")
    history = HistoricalRecords(excluded_fields=["search_text"])

    search_source_fields = ("name", "name_en", "code")

    class Meta:
        verbose_name = _("产业")
        verbose_name_plural = _("产业")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="industry_not_own_parent", violation_error_message=CYCLE
            )
        ]

    def __str__(self):
        return self.name


class Company(TrackedModel):
    """Any organisation the bureau deals with: firms, labs, funds, parks, associations, government."""

    name = models.CharField(_("名称"), max_length=200)
    short_name = models.CharField(_("简称"), max_length=100, blank=True)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    kind = models.CharField(_("类型"), max_length=32, choices=CompanyKind.choices, default=CompanyKind.ENTERPRISE)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, default="", validators=[validate_credit_code]
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("所属集团"), null=True, blank=True, on_delete=models.PROTECT, related_name="subsidiaries"
    )
    industries = models.ManyToManyField(Industry, verbose_name=_("产业"), blank=True, related_name="companies")
    city = models.CharField(_("城市"), max_length=100, blank=True)
    province = models.CharField(_("省份"), max_length=100, blank=True)
    country = models.CharField(_("国家/地区"), max_length=2, default="CN", validators=[validate_country_code])
    fortune500_rank = models.PositiveSmallIntegerField(
        _("世界500强排名"), null=True, blank=True, validators=[validate_fortune500_rank]
    )
    is_listed = models.BooleanField(_("上市公司"), default=False)
    is_local_origin = models.BooleanField(_("本地走出去企业"), default=False)
    is_home_side = models.BooleanField(_("我方单位"), default=False)
    website = models.URLField(_("网站"), blank=True)
    description = models.TextField(_("简介"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_companies",
    )
    tags = models.JSONField(_("标签"), default=list, blank=True)
    search_text = models.TextField(editable=False, blank=True, default="")
    history = HistoricalRecords(m2m_fields=[industries], excluded_fields=["search_text"])

    search_source_fields = ("name", "short_name", "name_en", "credit_code")

    class Meta:
        verbose_name = _("合作方")
        verbose_name_plural = _("合作方")
        ordering = ["name", "id"]
        # The list's order, for its page ids (docs/performance.md).
        indexes = [models.Index(fields=["name", "id"], name="company_list_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="company_credit_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(fortune500_rank__isnull=True) | Q(fortune500_rank__gte=1, fortune500_rank__lte=500),
                name="company_fortune500_rank_range",
                violation_error_message=FORTUNE500_RANGE,
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="company_not_own_parent", violation_error_message=CYCLE
            ),
        ]

    def __str__(self):
        return self.name


class Contact(TrackedModel):
    """A person of any organisation, home-side leaders included."""

    company = models.ForeignKey(Company, verbose_name=_("所在单位"), on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(_("姓名"), max_length=100)
    name_en = models.CharField(_("英文名"), max_length=100, blank=True)
    title = models.CharField(_("职务"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=50, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    notes = models.TextField(_("备注"), blank=True)
    search_text = models.TextField(editable=False, blank=True, default="")
    history = HistoricalRecords(excluded_fields=["search_text"])

    search_source_fields = ("name", "name_en", "title")

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")
        ordering = ["name", "id"]
        # The list's order, for its page ids (docs/performance.md).
        indexes = [models.Index(fields=["name", "id"], name="contact_list_idx")]

    def __str__(self):
        return f"{self.name}（{self.title}）" if self.title else self.name

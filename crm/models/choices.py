"""Enumerations of the API contract: lower-case English codes, Chinese labels first."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("简体中文")
    EN = "en", _("English")


class CompanyKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    RESEARCH_INSTITUTE = "research_institute", _("科研院所")
    INVESTMENT_FIRM = "investment_firm", _("投资机构")
    PARK_OPERATOR = "park_operator", _("产业园运营方")
    ASSOCIATION = "association", _("商协会")
    GOVERNMENT = "government", _("政府部门")
    OTHER = "other", _("其他")


class MeetingKind(models.TextChoices):
    TALK = "talk", _("座谈")
    VISIT = "visit", _("拜访")
    SITE_VISIT = "site_visit", _("参观")
    NEGOTIATION = "negotiation", _("洽谈")
    PROMOTION_EVENT = "promotion_event", _("推介会")
    SIGNING_CEREMONY = "signing_ceremony", _("签约仪式")
    CALL = "call", _("电话/视频")
    OTHER = "other", _("其他")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    IN_PROGRESS = "in_progress", _("办理中")
    RESOLVED = "resolved", _("已解决")
    DECLINED = "declined", _("不予支持")


class AgreementKind(models.TextChoices):
    STRATEGIC_COOPERATION = "strategic_cooperation", _("战略合作协议")
    INVESTMENT = "investment", _("项目投资协议")
    FRAMEWORK = "framework", _("框架协议")
    FUND = "fund", _("基金协议")
    MOU = "mou", _("合作备忘录")
    OTHER = "other", _("其他")


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("草拟")
    SIGNED = "signed", _("已签约")
    IN_FORCE = "in_force", _("履行中")
    COMPLETED = "completed", _("已履行完毕")
    TERMINATED = "terminated", _("已终止")


class ProjectKind(models.TextChoices):
    INDUSTRIAL = "industrial", _("产业项目")
    COMMERCIAL = "commercial", _("商业项目")
    RND_PLATFORM = "rnd_platform", _("研发平台")
    FUND = "fund", _("基金")
    OTHER = "other", _("其他")


class ProjectStage(models.TextChoices):
    LEAD = "lead", _("意向")
    NEGOTIATING = "negotiating", _("洽谈")
    SIGNED = "signed", _("签约")
    CONSTRUCTION = "construction", _("开工")
    COMPLETED = "completed", _("竣工")
    PRODUCTION = "production", _("投产")
    FULL_PRODUCTION = "full_production", _("达产")
    STALLED = "stalled", _("停滞")
    DROPPED = "dropped", _("终止")


# The forward path of a project; stalled and dropped stand beside it.
STAGE_ORDER = [
    ProjectStage.LEAD,
    ProjectStage.NEGOTIATING,
    ProjectStage.SIGNED,
    ProjectStage.CONSTRUCTION,
    ProjectStage.COMPLETED,
    ProjectStage.PRODUCTION,
    ProjectStage.FULL_PRODUCTION,
]
OFF_PATH_STAGES = {ProjectStage.STALLED, ProjectStage.DROPPED}


class MilestoneKind(models.TextChoices):
    SIGNING = "signing", _("签约")
    LAND = "land", _("供地")
    CONSTRUCTION_START = "construction_start", _("开工")
    COMPLETION = "completion", _("竣工")
    PRODUCTION_START = "production_start", _("投产")
    FULL_PRODUCTION = "full_production", _("达产")
    OTHER = "other", _("其他")


class TaskPriority(models.TextChoices):
    LOW = "low", _("低")
    NORMAL = "normal", _("普通")
    HIGH = "high", _("高")
    URGENT = "urgent", _("紧急")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待办")
    IN_PROGRESS = "in_progress", _("进行中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")

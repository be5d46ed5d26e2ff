"""factory_boy factories for every model; names are Chinese, like the real data."""

import datetime as dt
import random
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from crm import models
from crm.models.validators import CREDIT_CODE_ALPHABET, credit_code_check_character


def make_credit_code(seed: int) -> str:
    """A valid unified social credit code, different for each seed."""
    rng = random.Random(seed)
    body = "91" + "320400" + "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(9))
    return body + credit_code_check_character(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"工作人员{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@bureau.example.cn")
    password = factory.django.Password("pass-for-tests-123")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


class IndustryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Industry

    name = factory.Sequence(lambda n: f"产业{n}")
    code = factory.Sequence(lambda n: f"industry-{n}")


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Company

    name = factory.Sequence(lambda n: f"测试科技有限公司{n}")
    name_en = factory.Sequence(lambda n: f"Test Technology Co {n}")
    kind = "enterprise"
    city = "深圳"
    province = "广东"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Contact

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    title = "总经理"


class TripFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Trip

    title = factory.Sequence(lambda n: f"经贸代表团{n}")
    destination = "深圳"
    start_date = dt.date(2024, 10, 22)
    end_date = dt.date(2024, 10, 23)


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Meeting

    title = factory.Sequence(lambda n: f"座谈交流{n}")
    kind = "talk"
    starts_at = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0))


class PartnerRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PartnerRequest

    company = factory.SubFactory(CompanyFactory)
    raised_on = dt.date(2024, 10, 22)
    category = "用地"
    description = "希望协调项目用地指标"


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Project

    name = factory.Sequence(lambda n: f"项目{n}")
    company = factory.SubFactory(CompanyFactory)
    total_investment = Decimal("2000000000.00")
    location = "常州高新区"
    stage = "negotiating"


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Agreement

    title = factory.Sequence(lambda n: f"投资协议{n}")
    kind = "investment"
    status = "draft"


class CapitalArrivalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CapitalArrival

    project = factory.SubFactory(ProjectFactory)
    amount = Decimal("10000000.00")
    arrived_on = dt.date(2024, 11, 1)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Milestone

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"节点{n}")
    kind = "construction_start"
    due_on = dt.date(2025, 3, 1)


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Task

    title = factory.Sequence(lambda n: f"跟进事项{n}")
    due_on = dt.date(2025, 1, 15)


class ProjectStageChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ProjectStageChange

    project = factory.SubFactory(ProjectFactory)
    from_stage = "lead"
    to_stage = "negotiating"
    changed_on = dt.date(2024, 10, 22)
    reason = "完成首轮洽谈"


class ReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Reminder

    subject = "task"
    object_id = factory.Sequence(lambda n: n + 1)
    occurrence = factory.Sequence(lambda n: f"2025-01-15:before:{n}")
    recipient = factory.SubFactory(UserFactory)
    reason = "before"
    title = factory.Sequence(lambda n: f"跟进事项{n}")
    due_on = dt.date(2025, 1, 15)
    scheduled_for = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0))
    next_attempt_at = factory.LazyAttribute(lambda r: r.scheduled_for)


class ReminderSweepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ReminderSweep

    started_at = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0))
    finished_at = factory.LazyAttribute(lambda s: s.started_at)


class InvestmentTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.InvestmentTarget

    year = 2024
    amount = Decimal("5000000000.00")
    note = "市政府下达的年度签约目标"

"""The admin index as a leader's dashboard: stages, signed investment by industry, overdue items, requests."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm import dashboard
from tests.factories import (
    AgreementFactory,
    IndustryFactory,
    MilestoneFactory,
    PartnerRequestFactory,
    ProjectFactory,
    TaskFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 18)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2025, 6, 18, 10, 0, tzinfo=dt.UTC), tick=True):
        yield


def _signed(project, amount=None, on=dt.date(2025, 3, 1), status="signed"):
    return AgreementFactory(project=project, amount=amount, signed_on=on, status=status)


def test_projects_are_counted_by_stage_with_their_total_investment(admin_manager):
    ProjectFactory(stage="signed", total_investment=Decimal("2000000000"))
    ProjectFactory(stage="signed", total_investment=Decimal("500000000"))
    ProjectFactory(stage="lead", total_investment=None)
    bars = {bar.key: bar for bar in dashboard.projects_by_stage(admin_manager)}
    assert (bars["signed"].count, bars["signed"].amount_display, bars["signed"].percent) == (2, "25.00 亿元", 100.0)
    assert (bars["lead"].count, bars["lead"].amount, bars["lead"].percent) == (1, None, 50.0)
    assert bars["dropped"].count == 0


def test_signed_investment_counts_each_project_once_by_industry_this_year(admin_manager):
    energy, bio = IndustryFactory(name="新能源"), IndustryFactory(name="合成生物")
    both = ProjectFactory(total_investment=Decimal("2000000000"))
    both.industries.set([energy, bio])
    _signed(both, amount=Decimal("300000000"))
    _signed(both, amount=Decimal("200000000"), status="in_force")
    by_total = ProjectFactory(total_investment=Decimal("100000000"))
    by_total.industries.set([energy])
    _signed(by_total)  # no amount: the project's total investment counts
    unclassified = ProjectFactory(total_investment=Decimal("10000000"))
    _signed(unclassified, amount=Decimal("50000000"))
    _signed(ProjectFactory(), amount=Decimal("999"), on=dt.date(2024, 12, 31))  # last year
    _signed(ProjectFactory(), amount=Decimal("999"), status="draft")  # not signed
    AgreementFactory(project=None, amount=Decimal("999"), signed_on=dt.date(2025, 3, 1), status="signed")

    bars, total = dashboard.signed_investment_by_industry(admin_manager, 2025)
    # The stats API's definition: projects first signed this year, with their total investment.
    assert [(bar.label, bar.count, bar.amount) for bar in bars] == [
        ("新能源", 2, Decimal("2100000000")),  # 20亿 + 1亿
        ("合成生物", 1, Decimal("2000000000")),
        ("未分类", 1, Decimal("10000000")),
    ]
    assert (total.count, total.amount) == (3, Decimal("2110000000"))  # each project once


def test_a_confidential_project_is_left_out_of_an_outsiders_dashboard(admin_editor, admin_manager):
    secret = ProjectFactory(is_confidential=True, stage="signed")
    _signed(secret, amount=Decimal("100"))
    MilestoneFactory(project=secret, due_on=dt.date(2025, 1, 1))
    # Neither the figures nor the work lists of an outsider hold it; a manager's do.
    assert dashboard.signed_investment_by_industry(admin_editor, 2025)[1].count == 0
    assert sum(bar.count for bar in dashboard.projects_by_stage(admin_editor)) == 0
    assert dashboard.signed_investment_by_industry(admin_manager, 2025)[1].count == 1
    assert sum(bar.count for bar in dashboard.projects_by_stage(admin_manager)) == 1
    assert dashboard.overdue(admin_editor, TODAY)["milestone_count"] == 0
    assert dashboard.overdue(admin_manager, TODAY)["milestone_count"] == 1


def test_overdue_counts_only_open_items_past_their_date(admin_manager):
    MilestoneFactory(due_on=dt.date(2025, 6, 17))
    MilestoneFactory(due_on=dt.date(2025, 6, 17), done_on=dt.date(2025, 6, 1))
    MilestoneFactory(due_on=TODAY)
    TaskFactory(due_on=dt.date(2025, 6, 1))
    TaskFactory(due_on=dt.date(2025, 6, 1), status="done", done_at=dt.datetime(2025, 6, 2, tzinfo=dt.UTC))
    overdue = dashboard.overdue(admin_manager, TODAY)
    assert (overdue["milestone_count"], overdue["task_count"]) == (1, 1)


def test_the_index_shows_the_dashboard_in_a_fixed_number_of_queries(manager_client):
    def page():
        with CaptureQueriesContext(connection) as queries:
            response = manager_client.get(reverse("admin:index"))
        assert response.status_code == 200
        return response, len(queries)

    def data(n):
        user = UserFactory()
        industry = IndustryFactory()
        for _ in range(n):
            project = ProjectFactory(owner=user, stage="signed")
            project.industries.set([industry, IndustryFactory()])
            _signed(project, amount=Decimal("100000000"))
            MilestoneFactory(project=project, assignee=user, due_on=dt.date(2025, 1, 1))
            TaskFactory(project=project, assignee=user, due_on=dt.date(2025, 1, 1))
            PartnerRequestFactory(assignee=user)

    data(10)
    _, ten = page()
    data(20)
    response, thirty = page()
    assert ten == thirty
    html = response.content.decode()
    assert 'id="dashboard-stages"' in html and "600.00 亿元" in html  # 30 projects × 20亿
    assert not re.search(r'(src|href)="(https?:)?//', html), "the dashboard must work offline"


def test_other_admin_pages_do_not_compute_the_dashboard(manager_client):
    with CaptureQueriesContext(connection) as index:
        manager_client.get(reverse("admin:index"))
    with CaptureQueriesContext(connection) as other:
        manager_client.get(reverse("admin:crm_reminder_changelist"))
    assert not any("crm_agreement" in q["sql"] for q in other.captured_queries)
    assert any("crm_agreement" in q["sql"] for q in index.captured_queries)


def test_the_years_target_shows_how_much_of_it_is_signed(manager_client, admin_manager):
    from crm.models import InvestmentTarget

    InvestmentTarget.objects.create(year=2025, amount=Decimal("1000000000"))
    _signed(ProjectFactory(total_investment=Decimal("250000000")))
    html = manager_client.get(reverse("admin:index")).content.decode()
    assert "年度目标 10.00 亿元，已完成 25.0%" in html
    assert dashboard.target_progress(2024, Decimal(0)) is None

"""The row path writes every list exactly as the serializers do (crm/api/rows.py).

Each list of the router is read twice, by the row path and by DRF's serializers (the row path
switched off), over records that exercise what a row has to get right: missing references and
dates, a user without a full name, many-to-many links added out of id order, amounts with
cents, datetimes with microseconds, superusers and role holders, choice labels in both
languages, confidential projects an editor must not see.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.api import rows
from crm.api.urls import router
from crm.models import Project
from tests.conftest import client_for
from tests.factories import (
    AgreementFactory,
    CapitalArrivalFactory,
    CompanyFactory,
    ContactFactory,
    IndustryFactory,
    InvestmentTargetFactory,
    MeetingFactory,
    MilestoneFactory,
    PartnerRequestFactory,
    ProjectFactory,
    ReminderFactory,
    TaskFactory,
    TripFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Every list of the router but the webhooks, which only managers may read (tested below).
LISTS = [(prefix, basename) for prefix, _viewset, basename in router.registry if prefix != "webhooks"]


@pytest.fixture
def world(manager, editor):
    nameless = UserFactory(full_name="", username="nameless", role="editor")
    UserFactory(username="root", is_superuser=True)
    UserFactory(username="both", role="viewer").groups.add(Group.objects.get(name="manager"))
    parent_industry = IndustryFactory(name_en="Manufacturing")
    industries = [IndustryFactory(parent=parent_industry), IndustryFactory()]
    group = CompanyFactory(owner=nameless, tags=["独角兽", "专精特新"], fortune500_rank=88)
    company = CompanyFactory(parent=group, owner=None, country="CN")
    company.industries.set([industries[1], industries[0]])  # linked out of id order
    leader = ContactFactory(company=company, title="董事长")
    trip = TripFactory(leader=leader, owner=editor)
    trip.members.set([leader, ContactFactory(company=group)])
    meeting = MeetingFactory(
        trip=trip, owner=nameless, starts_at=timezone.now().replace(microsecond=123456), ends_at=None
    )
    meeting.companies.set([group, company])
    PartnerRequestFactory(company=company, meeting=meeting, assignee=None, due_on=dt.date(2020, 1, 1))
    PartnerRequestFactory(company=group, assignee=nameless, status="resolved", resolved_on=dt.date(2024, 11, 1))
    open_project = ProjectFactory(company=company, owner=nameless, total_investment=Decimal("12.5"))
    open_project.team.set([editor, nameless])
    secret = ProjectFactory(company=None, is_confidential=True, owner=manager, stage="signed")
    AgreementFactory(project=open_project, meeting=meeting, amount=Decimal("1000000.07")).companies.set([company])
    AgreementFactory(project=secret, meeting=None)
    CapitalArrivalFactory(project=open_project, amount=Decimal("3.10"))
    CapitalArrivalFactory(project=secret, amount=Decimal("7"))
    MilestoneFactory(project=open_project, assignee=None, due_on=dt.date(2020, 5, 1))
    MilestoneFactory(project=open_project, assignee=nameless, done_on=dt.date(2024, 10, 22))
    MilestoneFactory(project=secret)
    TaskFactory(project=open_project, assignee=nameless, due_on=None)
    TaskFactory(project=secret, assignee=manager, due_on=dt.date(2020, 1, 1), status="in_progress")
    ReminderFactory(recipient=nameless, sent_at=timezone.now(), status="sent")
    ReminderFactory(recipient=manager)
    ReminderFactory(recipient=editor, subject="milestone", reason="overdue")
    InvestmentTargetFactory(year=2025)
    assert Project.objects.count() == 2


def both_paths(client, url, monkeypatch, **headers):
    monkeypatch.setattr(rows.RowListMixin, "row_path", True)
    fast = client.get(url, **headers)
    monkeypatch.setattr(rows.RowListMixin, "row_path", False)
    slow = client.get(url, **headers)
    monkeypatch.setattr(rows.RowListMixin, "row_path", True)
    assert fast.status_code == slow.status_code == 200, (fast.content, slow.content)
    return fast.json(), slow.json()


@pytest.mark.parametrize(("prefix", "basename"), LISTS)
@pytest.mark.parametrize("role", ["manager", "editor"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_row_path_writes_what_the_serializer_writes(
    prefix, basename, role, language, world, manager, editor, monkeypatch
):
    client = client_for({"manager": manager, "editor": editor}[role])
    url = reverse(f"{basename}-list")
    fast, slow = both_paths(client, url, monkeypatch, HTTP_ACCEPT_LANGUAGE=language)
    assert fast == slow
    assert fast["results"], f"{prefix}: the comparison needs rows"


def test_every_list_has_a_plan(manager):
    """A list that loses its plan (a new field of a kind the plan does not know) would fall back
    to the serializers silently, and be slow: this says when one does."""
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    without = []
    for prefix, viewset, _basename in router.registry:
        view = viewset()
        request = Request(APIRequestFactory().get("/"))
        request.user = manager
        view.request, view.action, view.format_kwarg, view.kwargs, view.args = request, "list", None, {}, ()
        queryset = view.get_queryset()
        if rows.plan_for(view.get_serializer_class(), queryset.model, queryset.query.annotations) is None:
            without.append(prefix)
    assert without == []


def test_pages_filters_search_and_ordering_agree(world, api, monkeypatch):
    for params in (
        "?page_size=1&page=2",
        "?ordering=-name",
        "?search=测试",
        "?stage=signed",
        "?page=last&page_size=1",
    ):
        fast, slow = both_paths(api, reverse("project-list") + params, monkeypatch)
        assert fast == slow, params
    fast, slow = both_paths(api, reverse("milestone-list") + "?overdue=true", monkeypatch)
    assert fast == slow and fast["count"] >= 1


def test_a_deep_page_reads_its_ids_without_the_lists_joins(world, api):
    """The ids of a page come from the list's own query: the joins that name references (the
    project's name, the assignee's) are made for the page's rows only, not for every skipped row."""
    with CaptureQueriesContext(connection) as queries:
        response = api.get(reverse("milestone-list"), {"page_size": 1, "page": 2})
    assert response.status_code == 200
    page_sql = queries.captured_queries[-1]["sql"]
    ids_sql = page_sql[page_sql.index("IN (SELECT") :]
    ids_sql = ids_sql[: ids_sql.index(")") + 1]
    assert "JOIN" not in ids_sql, page_sql
    assert "JOIN" in page_sql[: page_sql.index("IN (SELECT")]


def test_names_follow_the_user_record(world, api):
    """``assignee_name`` is the user's full name, or the username when there is none."""
    body = api.get(reverse("task-list")).json()
    names = {row["assignee_name"] for row in body["results"]}
    assert "nameless" in names and "工作人员" in "".join(n for n in names if n and n != "nameless")


def test_a_request_naming_no_filter_is_not_filtered_and_a_bad_filter_value_is_still_refused(world, api):
    every = api.get(reverse("milestone-list")).json()["count"]
    assert api.get(reverse("milestone-list"), {"unknown": "x", "page_size": 2}).json()["count"] == every
    response = api.get(reverse("milestone-list"), {"overdue": "maybe"})
    assert response.status_code == 400 and "overdue" in response.json()


def test_the_webhooks_list_agrees_with_its_serializer(manager, editor, monkeypatch):
    """Managers only; the secret itself never leaves, its hint does."""
    from crm.models import WebhookSubscription

    for name, secret, user in (("全部", "s" * 20 + "tail", None), ("短", "short", editor), ("无", "", manager)):
        WebhookSubscription.objects.create(
            name=name, url="https://hooks.example.cn/x", events=["project.stage_changed"], secret=secret,
            user=user, owner=manager, disabled_at=timezone.now() if not secret else None,
        )  # fmt: skip
    fast, slow = both_paths(client_for(manager), reverse("webhook-list"), monkeypatch)
    assert fast == slow
    assert {row["secret_hint"] for row in fast["results"]} == {"••••tail", "••••", ""}
    assert all("secret" not in row for row in fast["results"])


def test_fields_the_plan_cannot_write_keep_the_serializer_path():
    """A name with a default other than null for a missing reference, and many-to-many slugs:
    DRF would write what the row does not hold, so there is no plan (and DRF's list is used)."""
    from rest_framework import serializers

    from crm.models import Company

    class WithDash(serializers.ModelSerializer):
        parent_name = serializers.CharField(source="parent.name", read_only=True, default="—")

        class Meta:
            model = Company
            fields = ["id", "parent_name"]

    class WithSlugs(serializers.ModelSerializer):
        industries = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

        class Meta:
            model = Company
            fields = ["id", "industries"]

    assert rows.plan_for(WithDash, Company) is None
    assert rows.plan_for(WithSlugs, Company) is None


def test_a_big_integer_written_as_text_is_written_as_text():
    from rest_framework import serializers

    from crm.models import Company

    class AsText(serializers.ModelSerializer):
        id = serializers.BigIntegerField(coerce_to_string=True, read_only=True)
        parent_name = serializers.CharField(source="parent.name", read_only=True, default=None, allow_null=True)

        class Meta:
            model = Company
            fields = ["id", "name", "parent_name"]

    company = CompanyFactory()
    plan = rows.plan_for(AsText, Company)
    assert plan is not None
    arrays = plan.arrays_for(connection.alias)  # none: no many-to-many field
    written = plan.render(plan.values(Company.objects.filter(pk=company.pk), arrays), arrays)
    assert written == [AsText(company).data] == [{"id": str(company.pk), "name": company.name, "parent_name": None}]


@pytest.mark.parametrize(
    "options",
    [
        {"max_digits": 17, "decimal_places": 2},
        {"max_digits": 17, "decimal_places": 2, "coerce_to_string": False},
        {"max_digits": 17, "decimal_places": 2, "localize": True},
        {"max_digits": 17, "decimal_places": 2, "normalize_output": True},
        {"max_digits": 5, "decimal_places": 0},
    ],
)
def test_a_decimal_is_written_as_drf_writes_it(options):
    """The row path's quick writer for decimals gives DRF's text for every value, quick or not."""
    from decimal import InvalidOperation

    from rest_framework import fields as drf

    from crm.api.rows import _decimal_writer

    field = drf.DecimalField(**options)
    values = [Decimal("123.40"), Decimal("-0.00"), Decimal("1E+3"), Decimal("0.005"), Decimal("1.2"), 7, 2.5]
    values += [Decimal("99999.00"), Decimal("12")]
    assert [_decimal_writer(field)(value) for value in values] == [field.to_representation(value) for value in values]
    # Beyond max_digits DRF refuses the value, and so does the quick writer.
    too_long = Decimal("1" * 20 + ".00")
    with pytest.raises(InvalidOperation):
        field.to_representation(too_long)
    with pytest.raises(InvalidOperation):
        _decimal_writer(field)(too_long)


def test_many_to_many_ids_keep_the_order_the_links_were_made(api):
    """Link by link, the higher id first: the list (arrays on PostgreSQL, one more statement on
    SQLite) and the detail both follow the links' order, not the ids'."""
    first, second = IndustryFactory(), IndustryFactory()
    low, high = UserFactory(), UserFactory()
    project = ProjectFactory()
    project.industries.add(second)
    project.industries.add(first)
    project.team.add(high)
    project.team.add(low)
    assert first.pk < second.pk and low.pk < high.pk
    listed = api.get(reverse("project-list"), {"page_size": 200}).json()["results"]
    row = next(item for item in listed if item["id"] == project.pk)
    detail = api.get(reverse("project-detail", args=[project.pk])).json()
    for body in (row, detail):
        assert body["industries"] == [second.pk, first.pk]
        assert body["team"] == [high.pk, low.pk]

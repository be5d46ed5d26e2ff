"""A resource's JSON is its shape's (crm/api/lists/shapes.py): lists and details alike, in the schema too.

The records are chosen to be awkward: missing references and dates, a user without a full name,
many-to-many links added out of id order, amounts with cents, datetimes with microseconds,
superusers and role holders, labels in both languages, confidential projects an editor may not see.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework import fields as drf

from crm.api.lists.shapes import Column, Shape, decimal_writer
from crm.api.urls import router
from crm.models import Company, Project, WebhookSubscription
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
from tests.registry import RESOURCES

pytestmark = pytest.mark.django_db

LISTS = [(endpoint, resource.basename) for endpoint, resource in RESOURCES.items()]
STARTS = dt.datetime(2024, 10, 22, 1, 30, 5, 123456, tzinfo=dt.UTC)


@pytest.fixture
def world(manager, editor):
    nameless = UserFactory(full_name="", username="nameless", role="editor")
    UserFactory(username="root", is_superuser=True)
    UserFactory(username="both", role="viewer").groups.add(Group.objects.get(name="manager"))
    parent_industry = IndustryFactory(name_en="Manufacturing")
    industries = [IndustryFactory(parent=parent_industry), IndustryFactory()]
    group = CompanyFactory(name="集团", owner=nameless, tags=["独角兽", "专精特新"], fortune500_rank=88)
    company = CompanyFactory(name="子公司", parent=group, owner=None, country="CN")
    company.industries.add(industries[1])
    company.industries.add(industries[0])  # linked after the higher id
    leader = ContactFactory(company=company, title="董事长")
    trip = TripFactory(leader=leader, owner=editor)
    trip.members.set([leader, ContactFactory(company=group)])
    meeting = MeetingFactory(trip=trip, owner=nameless, starts_at=STARTS, ends_at=None)
    meeting.companies.set([group, company])
    PartnerRequestFactory(company=company, meeting=meeting, assignee=None, due_on=dt.date(2020, 1, 1))
    PartnerRequestFactory(company=group, assignee=nameless, status="resolved", resolved_on=dt.date(2024, 11, 1))
    open_project = ProjectFactory(name="公开项目", company=company, owner=nameless, total_investment=Decimal("12.5"))
    open_project.team.set([editor, nameless])
    secret = ProjectFactory(name="保密项目", company=None, is_confidential=True, owner=manager, stage="signed")
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
    for name, secret_text, user in (("全部", "s" * 20 + "tail", None), ("短", "short", editor), ("无", "", manager)):
        WebhookSubscription.objects.create(
            name=name, url="https://hooks.example.cn/x", events=["project.stage_changed"], secret=secret_text,
            user=user, owner=manager,
        )  # fmt: skip
    return {"company": company, "group": group, "industries": industries, "meeting": meeting}


def rows_of(client, basename, **headers):
    response = client.get(reverse(f"{basename}-list"), {"page_size": 200}, **headers)
    assert response.status_code == 200, response.content
    return response.json()["results"]


# Each list as a manager and as an editor (but those only managers may read: tests/webhooks).
READERS = [
    (endpoint, resource.basename, role)
    for endpoint, resource in RESOURCES.items()
    for role in ("manager", "editor")
    if role == "manager" or not resource.managers_only
]


@pytest.mark.parametrize(("prefix", "basename", "role"), READERS)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_list_row_is_its_detail(prefix, basename, role, language, world, manager, editor):
    user = {"manager": manager, "editor": editor}[role]
    client = client_for(user)
    rows = rows_of(client, basename, HTTP_ACCEPT_LANGUAGE=language)
    if not rows:  # a resource the awkward world above does not have yet: two by its factory
        RESOURCES[prefix].factory.create_batch(2)
        rows = rows_of(client, basename, HTTP_ACCEPT_LANGUAGE=language)
    assert rows, f"{prefix}: the comparison needs rows"
    for row in rows:
        detail = client.get(reverse(f"{basename}-detail", args=[row["id"]]), HTTP_ACCEPT_LANGUAGE=language)
        assert detail.status_code == 200, detail.content
        assert detail.json() == row


@pytest.mark.parametrize(("prefix", "basename"), LISTS)
def test_the_schema_of_a_list_is_its_shape(prefix, basename):
    """The response's properties are the shape's keys, typed from the model fields (money as a
    decimal string, dates and datetimes as formatted strings, references as integers)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    viewset = next(viewset for p, viewset, _b in router.registry if p == prefix)
    component = schema["components"]["schemas"][viewset.shape.name]
    assert list(component["properties"]) == list(viewset.shape.keys)
    assert set(component["required"]) == set(viewset.shape.keys)
    path = schema["paths"][f"/api/v1/{prefix}/"]["get"]["responses"]["200"]["content"]["application/json"]
    page = schema["components"]["schemas"][path["schema"]["$ref"].rsplit("/", 1)[1]]
    assert page["properties"]["results"]["items"]["$ref"].endswith(f"/{viewset.shape.name}")


def test_the_schema_types_each_kind_of_column():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    project = schema["components"]["schemas"]["Project"]["properties"]
    assert project["total_investment"] == {
        "type": "string", "format": "decimal", "pattern": project["total_investment"]["pattern"],
        "nullable": True, "readOnly": True, "title": project["total_investment"]["title"],
    }  # fmt: skip
    assert project["arrived_investment"]["format"] == "decimal"
    assert "nullable" not in project["arrived_investment"]
    assert project["stage_changed_on"]["format"] == "date" and project["stage_changed_on"]["nullable"]
    assert project["team"] == {"type": "array", "items": {"type": "integer"}, "readOnly": True}
    assert project["company"]["type"] == "integer" and project["company"]["nullable"]
    assert project["company_name"]["nullable"]  # a project may have no investor yet
    assert project["stage_display"]["type"] == "string"
    assert project["stage"]["allOf"] == [{"$ref": "#/components/schemas/ProjectStageEnum"}]
    meeting = schema["components"]["schemas"]["Meeting"]["properties"]
    assert meeting["starts_at"]["format"] == "date-time"
    milestone = schema["components"]["schemas"]["Milestone"]["properties"]
    assert milestone["overdue"]["type"] == "boolean" and "nullable" not in milestone["overdue"]
    assert "nullable" not in milestone["project_name"]  # a milestone always has its project
    user = schema["components"]["schemas"]["User"]["properties"]
    assert user["groups"]["items"] == {"$ref": "#/components/schemas/GroupsEnum"}
    assert schema["components"]["schemas"]["GroupsEnum"]["enum"] == ["viewer", "editor", "manager"]


def test_values_are_written_as_the_contract_says(world, api):
    company = next(row for row in rows_of(api, "company") if row["id"] == world["company"].pk)
    assert company["owner"] is None and company["owner_name"] is None
    assert company["parent_name"] == "集团"
    assert company["industries"] == [world["industries"][1].pk, world["industries"][0].pk]  # as linked
    group = next(row for row in rows_of(api, "company") if row["id"] == world["group"].pk)
    assert group["owner_name"] == "nameless"  # no full name: the username
    assert group["tags"] == ["独角兽", "专精特新"]
    meeting = next(row for row in rows_of(api, "meeting") if row["id"] == world["meeting"].pk)
    assert meeting["starts_at"] == "2024-10-22T09:30:05.123456+08:00"  # Asia/Shanghai
    assert meeting["ends_at"] is None and meeting["trip_title"]
    projects = {row["name"]: row for row in rows_of(api, "project")}
    assert projects["公开项目"]["total_investment"] == "12.50"
    assert projects["公开项目"]["arrived_investment"] == "3.10"
    assert projects["保密项目"]["arrived_investment"] == "7.00"
    assert projects["保密项目"]["company"] is None and projects["保密项目"]["company_name"] is None
    agreements = {row["amount"] for row in rows_of(api, "agreement")}
    assert "1000000.07" in agreements
    milestones = rows_of(api, "milestone")
    assert {(row["done"], row["overdue"]) for row in milestones} >= {(False, True), (True, False)}
    assert any(row["assignee"] is None and row["assignee_name"] is None for row in milestones)
    tasks = rows_of(api, "task")
    assert {row["overdue"] for row in tasks if row["due_on"] is None} == {False}
    assert {row["overdue"] for row in tasks if row["due_on"] == "2020-01-01"} == {True}
    users = {row["username"]: row for row in rows_of(api, "user")}
    assert users["root"]["groups"] == ["editor", "manager", "viewer"]
    assert users["both"]["groups"] == ["manager", "viewer"]
    assert users["nameless"]["full_name"] == ""
    hints = {row["name"]: row["secret_hint"] for row in rows_of(api, "webhook")}
    assert hints == {"全部": "••••tail", "短": "••••", "无": ""}
    assert all("secret" not in row for row in rows_of(api, "webhook"))


def test_labels_follow_the_language_of_the_request(world, api):
    chinese = rows_of(api, "project", HTTP_ACCEPT_LANGUAGE="zh-hans")
    english = rows_of(api, "project", HTTP_ACCEPT_LANGUAGE="en")
    assert {row["stage_display"] for row in chinese if row["stage"] == "signed"} == {"签约"}
    assert {row["stage_display"] for row in english if row["stage"] == "signed"} == {"Signing"}


def test_an_editor_sees_no_confidential_project_in_any_list(world, editor):
    client = client_for(editor)
    assert "保密项目" not in {row["name"] for row in rows_of(client, "project")}
    secret = Project.objects.get(name="保密项目")
    assert secret.pk not in {row["project"] for row in rows_of(client, "milestone")}
    assert secret.pk not in {row["project"] for row in rows_of(client, "agreement")}
    assert secret.pk not in {row["project"] for row in rows_of(client, "capitalarrival")}
    assert client.get(reverse("project-detail", args=[secret.pk])).status_code == 404


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


def test_a_request_naming_no_filter_is_not_filtered_and_a_bad_filter_value_is_refused(world, api):
    every = api.get(reverse("milestone-list")).json()["count"]
    assert api.get(reverse("milestone-list"), {"unknown": "x", "page_size": 2}).json()["count"] == every
    response = api.get(reverse("milestone-list"), {"overdue": "maybe"})
    assert response.status_code == 400 and "overdue" in response.json()
    overdue = api.get(reverse("milestone-list"), {"overdue": "true"}).json()["results"]
    assert overdue and all(row["overdue"] for row in overdue)  # the filter and the column: one condition


def test_many_to_many_ids_keep_the_order_the_links_were_made(api):
    """Link by link, the higher id first: the list and the detail follow the links' order."""
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


def test_a_write_answers_what_the_detail_shows(editor_api, world):
    created = editor_api.post(reverse("milestone-list"), {
        "project": Project.objects.get(name="公开项目").pk, "title": "开工", "due_on": "2020-02-02",
    }, format="json")  # fmt: skip
    assert created.status_code == 201, created.content
    detail = editor_api.get(reverse("milestone-detail", args=[created.json()["id"]]))
    assert created.json() == detail.json()
    assert created.json()["overdue"] is True and created["ETag"] == detail["ETag"] == '"1"'


def test_a_shape_reads_any_lookup_and_says_when_one_is_wrong():
    company = CompanyFactory(name="甲", parent=CompanyFactory(name="乙"))
    shape = Shape(Company, {"id": "id", "parent_of_parent": "parent__parent__name", "parent": Column("parent__name")})
    assert shape.one(Company.objects.filter(pk=company.pk)) == {
        "id": company.pk, "parent_of_parent": None, "parent": "乙"
    }  # fmt: skip
    assert shape.one(Company.objects.filter(pk=-1)) is None
    wrong = Shape(Company, {"id": "id", "typo": "parent__nmae"})
    with pytest.raises(Exception, match="nmae"):
        wrong.one(Company.objects.all())


def test_a_multiple_choice_filter_keeps_a_list_plain_and_positioned(world, api):
    """``?status=a&status=b`` filters on the list's own column: no DISTINCT, so the links keep
    their positions, and a row is still its detail."""
    params = {"status": ["draft", "signed"], "page_size": 1, "ordering": "-id"}  # no NULL to place
    listed = api.get(reverse("agreement-list"), params).json()
    assert listed["count"] >= 2 and "after=" in listed["next"]
    row = listed["results"][0]
    detail = api.get(reverse("agreement-detail", args=[row["id"]]), {"status": ["draft", "signed"]})
    assert detail.status_code == 200 and detail.json() == row


def test_the_ids_of_a_distinct_query_are_read_alone(world):
    """SELECT DISTINCT also selects the columns it is ordered by: a page's ids stay one column."""
    from crm.api.lists.shapes import sql_of

    linked = Company.objects.filter(industries__isnull=False).distinct().order_by("name", "pk")
    shape = Shape(Company, {"id": "id", "name": "name"})
    ids = sql_of(linked.values("pk")[:5])
    rows = shape.write(shape.rows(ids, ("name", "pk")))
    assert rows == [{"id": c.pk, "name": c.name} for c in linked[:5]] and rows


@pytest.mark.parametrize("value", ["123.40", "-0.00", "0.01", "99999999999999.99", "1000000.07"])
def test_a_decimal_is_written_as_drf_writes_it(value):
    """Amounts come from the database with their places: the shape's text is DRF's."""
    field = drf.DecimalField(max_digits=17, decimal_places=2)
    assert decimal_writer(2)(Decimal(value)) == field.to_representation(Decimal(value))


@pytest.mark.parametrize(
    ("stored", "moment"),
    [
        ("2024-10-22 01:30:05.123456+00", dt.datetime(2024, 10, 22, 1, 30, 5, 123456, tzinfo=dt.UTC)),
        ("2024-10-22 01:30:05.1234+00", dt.datetime(2024, 10, 22, 1, 30, 5, 123400, tzinfo=dt.UTC)),  # trimmed
        ("2024-10-22 01:30:05+00", dt.datetime(2024, 10, 22, 1, 30, 5, tzinfo=dt.UTC)),  # no fraction
        ("2024-10-22 01:30:05.5", dt.datetime(2024, 10, 22, 1, 30, 5, 500000, tzinfo=dt.UTC)),  # SQLite: UTC
        ("1991-07-01 12:00:00+00", dt.datetime(1991, 7, 1, 12, tzinfo=dt.UTC)),  # Shanghai had summer time
    ],
)
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/New_York"])
def test_a_datetime_is_written_as_drf_writes_it_from_the_databases_text(stored, moment, zone):
    """Datetimes are read as the database's text (parsed in C, not by Django's Python loader):
    the JSON is DRF's for the same moment, in the request's time zone."""
    from zoneinfo import ZoneInfo

    from django.utils import timezone as django_timezone

    from crm.api.lists.shapes import datetime_writer

    with django_timezone.override(ZoneInfo(zone)):
        expected = drf.DateTimeField().to_representation(moment)
        assert datetime_writer(ZoneInfo(zone))(stored) == expected
        assert datetime_writer(ZoneInfo(zone))(moment) == expected


@pytest.mark.parametrize(("prefix", "basename"), LISTS)
def test_a_list_is_ordered_only_by_fields_its_shape_can_order_by(prefix, basename):
    """The page statement is the shape's own rows (no annotation of ``get_queryset``): every
    ``?ordering=`` a list offers is a field of its model. And a shaped detail checks no object
    permission, so none of its permission classes may have one."""
    from rest_framework.permissions import BasePermission

    viewset = next(viewset for p, viewset, _b in router.registry if p == prefix)
    model = viewset.shape.model
    for name in viewset.ordering_fields:
        assert name == "pk" or model._meta.get_field(name).concrete, (prefix, name)
    for permission in viewset.permission_classes:
        assert permission.has_object_permission is BasePermission.has_object_permission, (prefix, permission)


def test_a_reversed_queryset_is_paged_in_its_reversed_order():
    from crm.api.lists.pagination import ordering_of
    from crm.models import Milestone

    assert ordering_of(Milestone.objects.all()) == ("due_on", "id")
    assert ordering_of(Milestone.objects.order_by("-due_on", "pk").reverse()) == ("due_on", "-pk")

"""Bad input answers a clear 400 naming the field to correct, never a 5xx.

One table covers every kind: credit codes, an end before a start, negative or absurd amounts,
unknown enumeration values in bodies and filters, references to missing or wrong-kind records,
NUL characters in the body, the query and the path, non-numeric ids, page sizes beyond the cap
(capped, not an error) and naive datetimes. A unique-constraint race answers 409.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from crm.api import views
from crm.models import Company
from tests.api.base import API, if_match
from tests.factories import (
    AgreementFactory,
    CompanyFactory,
    ContactFactory,
    IndustryFactory,
    MeetingFactory,
    MilestoneFactory,
    PartnerRequestFactory,
    ProjectFactory,
    TaskFactory,
    TripFactory,
    UserFactory,
    make_credit_code,
)

pytestmark = pytest.mark.django_db

HUGE = 99999999999999999999  # beyond any database integer
MISSING = 987654


@dataclass(frozen=True)
class Bad:
    why: str
    method: str
    path: str  # below /api/v1/; "{company}" and the like name records of the world
    body: Any = None  # a dict, or a function of the world returning one
    field: str | None = None  # the key the answer must name
    status: int = 400
    raw: bool = False  # send the body as it is, not as JSON

    def body_for(self, world):
        return self.body(world) if isinstance(self.body, Callable) else self.body


def named(why, method, path, body=None, field=None, **kwargs):
    return pytest.param(Bad(why, method, path, body, field, **kwargs), id=why)


CASES = [
    # Credit codes ---------------------------------------------------------------------------------
    named("credit code with a wrong check character", "post", "companies/", {"name": "x", "credit_code": "91350100M000100Y44"}, "credit_code"),
    named("credit code too short", "post", "companies/", {"name": "x", "credit_code": "91350100"}, "credit_code"),
    named("credit code with letters it may not hold", "post", "companies/", {"name": "x", "credit_code": "91350100I000100O43"}, "credit_code"),
    named("credit code already registered", "post", "companies/", lambda w: {"name": "x", "credit_code": w["company"].credit_code}, "credit_code"),
    named("credit code already registered, pasted in lower case", "post", "companies/", lambda w: {"name": "x", "credit_code": " " + w["company"].credit_code.lower()}, "credit_code"),
    named("credit code of another company", "patch", "companies/{other_company}/", lambda w: {"credit_code": w["company"].credit_code}, "credit_code"),
    # An end before a start ------------------------------------------------------------------------
    named("trip ending before it starts", "post", "trips/", {"title": "x", "destination": "深圳", "start_date": "2024-10-23", "end_date": "2024-10-22"}, "end_date"),
    named("trip end moved before its stored start", "patch", "trips/{trip}/", {"end_date": "2024-10-01"}, "end_date"),
    named("trip start moved after its stored end", "patch", "trips/{trip}/", {"start_date": "2024-11-01"}, "end_date"),
    named("meeting ending before it starts", "post", "meetings/", {"title": "x", "starts_at": "2024-10-22T10:00:00+08:00", "ends_at": "2024-10-22T09:00:00+08:00"}, "ends_at"),
    named("request resolved before it was raised", "patch", "requests/{request}/", {"status": "resolved", "resolved_on": "2024-10-01"}, "resolved_on"),
    # Negative or absurd amounts -------------------------------------------------------------------
    named("negative total investment", "post", "projects/", {"name": "x", "total_investment": "-1.00"}, "total_investment"),
    named("contracted investment above 10^14 yuan", "post", "projects/", {"name": "x", "contracted_investment": "100000000000000.01"}, "contracted_investment"),
    named("total investment of 10^20 yuan", "post", "projects/", {"name": "x", "total_investment": "1e20"}, "total_investment"),
    named("amount that is not a number", "post", "projects/", {"name": "x", "total_investment": "二十亿"}, "total_investment"),
    named("amount NaN", "post", "projects/", {"name": "x", "total_investment": "NaN"}, "total_investment"),
    named("amount Infinity", "post", "projects/", {"name": "x", "total_investment": "Infinity"}, "total_investment"),
    named("amount finer than a fen", "post", "projects/", {"name": "x", "total_investment": "1.001"}, "total_investment"),
    named("negative agreement amount", "patch", "agreements/{agreement}/", {"amount": "-0.01"}, "amount"),
    named("capital arrival of zero", "post", "capital-arrivals/", lambda w: {"project": w["project"].pk, "amount": "0.00", "arrived_on": "2024-11-01"}, "amount"),
    named("negative capital arrival", "post", "capital-arrivals/", lambda w: {"project": w["project"].pk, "amount": "-5", "arrived_on": "2024-11-01"}, "amount"),
    named("negative planned jobs", "patch", "projects/{project}/", {"jobs_planned": -1}, "jobs_planned"),
    named("Fortune 500 rank 501", "patch", "companies/{company}/", {"fortune500_rank": 501}, "fortune500_rank"),
    named("Fortune 500 rank 0", "patch", "companies/{company}/", {"fortune500_rank": 0}, "fortune500_rank"),
    # Unknown enumeration values in bodies ---------------------------------------------------------
    named("unknown company kind", "post", "companies/", {"name": "x", "kind": "startup"}, "kind"),
    named("company kind in upper case", "post", "companies/", {"name": "x", "kind": "ENTERPRISE"}, "kind"),
    named("company kind given as its Chinese label", "post", "companies/", {"name": "x", "kind": "企业"}, "kind"),
    named("unknown meeting kind", "patch", "meetings/{meeting}/", {"kind": "dinner"}, "kind"),
    named("meeting kind as a list", "patch", "meetings/{meeting}/", {"kind": ["talk"]}, "kind"),
    named("unknown request status", "patch", "requests/{request}/", {"status": "closed"}, "status"),
    named("unknown agreement kind", "patch", "agreements/{agreement}/", {"kind": "nda"}, "kind"),
    named("unknown agreement status", "patch", "agreements/{agreement}/", {"status": "void"}, "status"),
    named("unknown project kind", "patch", "projects/{project}/", {"kind": "mine"}, "kind"),
    named("unknown project stage", "patch", "projects/{project}/", {"stage": "idea"}, "stage"),
    named("unknown stage in change-stage", "post", "projects/{project}/change-stage/", {"stage": "idea"}, "stage"),
    named("unknown milestone kind", "patch", "milestones/{milestone}/", {"kind": "party"}, "kind"),
    named("unknown task priority", "patch", "tasks/{task}/", {"priority": "critical"}, "priority"),
    named("unknown task status", "patch", "tasks/{task}/", {"status": "blocked"}, "status"),
    named("username given as a list", "post", "auth/token/", {"username": ["a"], "password": "x"}, "username"),
    # Unknown enumeration values in filters --------------------------------------------------------
    named("unknown company kind filter", "get", "companies/?kind=startup", None, "kind"),
    named("unknown meeting kind filter", "get", "meetings/?kind=dinner", None, "kind"),
    named("unknown request status filter", "get", "requests/?status=closed", None, "status"),
    named("unknown agreement kind filter", "get", "agreements/?kind=nda", None, "kind"),
    named("unknown agreement status filter", "get", "agreements/?status=signed&status=void", None, "status"),
    named("unknown project stage filter", "get", "projects/?stage=idea", None, "stage"),
    named("unknown milestone kind filter", "get", "milestones/?kind=party", None, "kind"),
    named("unknown task status filter", "get", "tasks/?status=blocked", None, "status"),
    named("unknown task priority filter", "get", "tasks/?priority=critical", None, "priority"),
    named("unknown group filter", "get", "users/?group=admin", None, "group"),
    named("boolean filter given yes", "get", "companies/?is_local_origin=yes", None, "is_local_origin"),
    named("boolean filter given 1", "get", "tasks/?overdue=1", None, "overdue"),
    named("boolean filter given maybe", "get", "milestones/?done=maybe", None, "done"),
    named("range filter given words", "get", "projects/?total_investment__gte=很多", None, "total_investment__gte"),
    named("range filter given 10^400", "get", "projects/?total_investment__lte=1e400", None, "total_investment__lte"),
    # References to missing or wrong-kind records --------------------------------------------------
    named("contact of a missing company", "post", "contacts/", {"name": "x", "company": MISSING}, "company"),
    named("contact without a company", "post", "contacts/", {"name": "x"}, "company"),
    named("meeting with a missing company", "patch", "meetings/{meeting}/", {"companies": [MISSING]}, "companies"),
    named("trip led by a missing contact", "patch", "trips/{trip}/", {"leader": MISSING}, "leader"),
    named("trip with a missing member", "patch", "trips/{trip}/", {"members": [MISSING]}, "members"),
    named("project team with a missing user", "patch", "projects/{project}/", {"team": [MISSING]}, "team"),
    named("project owned by a deactivated user", "patch", "projects/{project}/", lambda w: {"owner": w["inactive"].pk}, "owner"),
    named("milestone of a missing project", "post", "milestones/", {"project": MISSING, "title": "x", "due_on": "2025-01-01"}, "project"),
    named("task about a missing agreement", "patch", "tasks/{task}/", {"agreement": MISSING}, "agreement"),
    named("company as its own group", "patch", "companies/{company}/", lambda w: {"parent": w["company"].pk}, "parent"),
    named("industry as its own parent", "patch", "industries/{industry}/", lambda w: {"parent": w["industry"].pk}, "parent"),
    named("company id where a contact belongs", "patch", "trips/{trip}/", lambda w: {"leader": w["lone_company"].pk}, "leader"),
    named("project id where an agreement belongs", "patch", "tasks/{task}/", lambda w: {"agreement": w["lone_project"].pk}, "agreement"),
    named("reference given as an object", "patch", "tasks/{task}/", lambda w: {"company": {"id": w["company"].pk}}, "company"),
    named("reference given as true", "patch", "contacts/{contact}/", {"company": True}, "company"),
    named("reference given as a name", "patch", "requests/{request}/", {"company": "华润集团"}, "company"),
    named("many references given as one id", "patch", "trips/{trip}/", lambda w: {"members": w["contact"].pk}, "members"),
    named("many references given as objects", "patch", "meetings/{meeting}/", lambda w: {"attendees": [{"id": w["contact"].pk}]}, "attendees"),
    named("filter on a missing company", "get", f"contacts/?company={MISSING}", None, "company"),
    named("filter on a missing project", "get", f"milestones/?project={MISSING}", None, "project"),
    named("filter on a missing owner", "get", f"projects/?owner={MISSING}", None, "owner"),
    named("filter on a missing industry", "get", f"companies/?industry={MISSING}", None, "industry"),
    # NUL characters anywhere ----------------------------------------------------------------------
    named("NUL in a name", "post", "companies/", {"name": "华\x00润"}, "name"),
    named("NUL in notes", "patch", "contacts/{contact}/", {"notes": "备注\x00"}, "notes"),
    named("NUL in a tag", "patch", "companies/{company}/", {"tags": ["ok", "\x00"]}, "tags"),
    named("NUL in a description", "patch", "projects/{project}/", {"description": "\x00"}, "description"),
    named("NUL in a stage reason", "patch", "projects/{project}/", {"stage": "construction", "stage_reason": "a\x00"}, "stage_reason"),
    named("NUL in a change-stage reason", "post", "projects/{project}/change-stage/", {"stage": "construction", "reason": "\x00"}, "reason"),
    named("NUL in a username", "post", "auth/token/", {"username": "a\x00", "password": "x"}, "username"),
    named("NUL in a search", "get", "companies/?search=a%00b", None, "search"),
    named("NUL in a filter", "get", "companies/?city=%00", None, "city"),
    named("NUL in a parameter name", "get", "companies/?ci%00ty=1", None, "query"),
    named("NUL in the path", "get", "companies/%00/", None, "path"),
    named("NUL after an id in the path", "get", "companies/{company}%00/history/", None, "path"),
    # Non-numeric and out-of-range ids -------------------------------------------------------------
    named("non-numeric id in the path", "get", "companies/abc/", None, None, status=404),
    named("id beyond any integer in the path", "get", f"companies/{HUGE}/", None, "detail", status=404),
    named("history of an id beyond any integer", "get", f"companies/{HUGE}/history/", None, "detail", status=404),
    named("non-numeric reference", "post", "contacts/", {"name": "x", "company": "abc"}, "company"),
    named("reference beyond any integer", "post", "contacts/", {"name": "x", "company": HUGE}, "company"),
    named("non-numeric reference in a list", "patch", "companies/{company}/", {"industries": ["x"]}, "industries"),
    named("non-numeric id filter", "get", "contacts/?company=abc", None, "company"),
    named("fractional id filter", "get", "industries/?parent=1.5", None, "parent"),
    named("id filter beyond any integer", "get", f"contacts/?company={HUGE}", None, "company"),
    # Page sizes and pages -------------------------------------------------------------------------
    named("page size beyond the cap", "get", "companies/?page_size=500", None, "results", status=200),
    named("page size beyond any integer", "get", f"companies/?page_size={HUGE}", None, "results", status=200),
    named("page size zero", "get", "companies/?page_size=0", None, "results", status=200),
    named("negative page size", "get", "companies/?page_size=-5", None, "results", status=200),
    named("non-numeric page size", "get", "companies/?page_size=all", None, "results", status=200),
    named("non-numeric page", "get", "companies/?page=abc", None, "detail", status=404),
    named("page zero", "get", "companies/?page=0", None, "detail", status=404),
    named("page past the end", "get", "companies/?page=99", None, "detail", status=404),
    # Naive and malformed datetimes and dates -------------------------------------------------------
    named("naive start of a meeting", "post", "meetings/", {"title": "x", "starts_at": "2024-10-22T09:30:00"}, "starts_at"),
    named("naive end of a meeting", "patch", "meetings/{meeting}/", {"ends_at": "2099-10-22T11:00:00"}, "ends_at"),
    named("date where a datetime belongs", "patch", "meetings/{meeting}/", {"starts_at": "2024-10-22"}, "starts_at"),
    named("datetime that is no time", "patch", "meetings/{meeting}/", {"starts_at": "下周二上午"}, "starts_at"),
    named("date that does not exist", "patch", "trips/{trip}/", {"start_date": "2024-02-30"}, "start_date"),
    named("datetime filter that is no time", "get", "meetings/?starts_at__gte=yesterday", None, "starts_at__gte"),
    named("date filter that does not exist", "get", "trips/?start_date__gte=2024-13-01", None, "start_date__gte"),
    # Malformed bodies and preconditions ------------------------------------------------------------
    named("body that is not JSON", "post", "companies/", '{"name": ', "detail", raw=True),
    named("body that is a list", "post", "companies/", '[{"name": "x"}]', "non_field_errors", raw=True),
    named("version that is not a number", "patch", "companies/{company}/", {"name": "x", "version": "v1"}, "version"),
    named("name longer than allowed", "post", "companies/", {"name": "长" * 201}, "name"),
    named("email that is no email", "patch", "contacts/{contact}/", {"email": "not-an-email"}, "email"),
    named("website that is no URL", "patch", "companies/{company}/", {"website": "华润官网"}, "website"),
    named("country that is no ISO code", "patch", "companies/{company}/", {"country": "China"}, "country"),
    named("tags that are no list", "patch", "companies/{company}/", {"tags": "a,b"}, "tags"),
]  # fmt: skip


class World(dict):
    """The records the table's cases name, each made the first time a case asks for it."""

    makers = {
        "company": lambda: CompanyFactory(credit_code=make_credit_code(1)),
        "other_company": CompanyFactory,
        "industry": IndustryFactory,
        "contact": ContactFactory,
        "trip": TripFactory,
        "meeting": MeetingFactory,
        "request": PartnerRequestFactory,
        "project": lambda: ProjectFactory(stage="signed"),
        "agreement": AgreementFactory,
        "milestone": MilestoneFactory,
        "task": TaskFactory,
        "inactive": lambda: UserFactory(is_active=False),
        # Ids that no record of another kind holds, so that only the kind can be wrong.
        "lone_company": lambda: CompanyFactory(pk=555001),
        "lone_project": lambda: ProjectFactory(pk=555002, company=None),
    }

    def __missing__(self, name):
        self[name] = self.makers[name]()
        return self[name]

    def snapshot(self):
        return {name: type(record).objects.filter(pk=record.pk).values().first() for name, record in self.items()}


class Ids:
    def __init__(self, world):
        self.world = world

    def __getitem__(self, name):
        return self.world[name].pk


@pytest.fixture
def world(db):
    return World()


def prepare(client, case: Bad, world):
    """The request of a case, as the arguments of the test client's method."""
    path = API + case.path.format_map(Ids(world))
    kwargs = {}
    if case.method in ("patch", "put", "delete"):
        kwargs["HTTP_IF_MATCH"] = client.get(path)["ETag"]
    body = case.body_for(world)
    if case.raw:
        return client.generic, (case.method.upper(), path, body), {"content_type": "application/json", **kwargs}
    if case.method == "get":
        return client.get, (path,), kwargs
    return getattr(client, case.method), (path, body), {"format": "json", **kwargs}


@pytest.mark.parametrize("case", CASES)
def test_it_answers_bad_input_clearly(api, world, case):
    method, args, kwargs = prepare(api, case, world)
    before = world.snapshot()
    response = method(*args, **kwargs)
    assert response.status_code == case.status, response.content
    if case.field is not None:
        assert case.field in response.json(), response.content
    if case.status >= 400:
        assert world.snapshot() == before


def test_it_answers_a_stale_or_garbled_if_match_with_412(api):
    company = CompanyFactory()
    for header in ('"garbage"', "W/", "1\x00", '"1"x', '"1", "2"'):
        response = api.patch(f"{API}companies/{company.pk}/", {"name": "x"}, HTTP_IF_MATCH=header)
        assert response.status_code == 412, header
    company.refresh_from_db()
    assert company.version == 1


def test_it_accepts_a_weak_or_unquoted_if_match(api):
    company = CompanyFactory()
    assert api.patch(f"{API}companies/{company.pk}/", {"city": "a"}, HTTP_IF_MATCH='W/"1"').status_code == 200
    assert api.patch(f"{API}companies/{company.pk}/", {"city": "b"}, HTTP_IF_MATCH="2").status_code == 200


def test_it_refuses_an_if_match_that_disagrees_with_the_body_version(api):
    company = CompanyFactory()
    response = api.patch(f"{API}companies/{company.pk}/", {"city": "a", "version": 1}, HTTP_IF_MATCH='"2"')
    assert response.status_code == 412


# A unique-constraint race: the serializer's check passed, then another writer took the value. -------


def racing(monkeypatch, viewset, method, rival):
    """Let ``rival`` write between the serializer's validation and this request's own write."""
    original = getattr(viewset, method)

    def write_after_the_rival(self, serializer):
        rival()
        return original(self, serializer)

    monkeypatch.setattr(viewset, method, write_after_the_rival)


def test_a_credit_code_taken_during_a_create_answers_409(api, monkeypatch):
    code = make_credit_code(7)
    racing(
        monkeypatch,
        views.CompanyViewSet,
        "perform_create",
        lambda: Company.objects.create(name="先到", credit_code=code),
    )
    response = api.post(f"{API}companies/", {"name": "后到", "credit_code": code}, format="json")
    assert response.status_code == 409, response.content
    assert response.json()["detail"]
    assert not Company.objects.filter(name="后到").exists()


def test_a_credit_code_taken_during_an_update_answers_409(api, monkeypatch):
    code = make_credit_code(8)
    company = CompanyFactory()
    racing(
        monkeypatch,
        views.CompanyViewSet,
        "perform_update",
        lambda: Company.objects.create(name="先到", credit_code=code),
    )
    response = api.patch(f"{API}companies/{company.pk}/", {"credit_code": code}, **if_match(1))
    assert response.status_code == 409, response.content
    company.refresh_from_db()
    assert (company.credit_code, company.version) == ("", 1)


def test_an_industry_code_taken_during_a_create_answers_409(api, monkeypatch):
    racing(monkeypatch, views.IndustryViewSet, "perform_create", lambda: IndustryFactory(code="low-altitude"))
    response = api.post(f"{API}industries/", {"name": "低空经济", "code": "low-altitude"}, format="json")
    assert response.status_code == 409, response.content

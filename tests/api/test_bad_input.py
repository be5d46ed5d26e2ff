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

from crm.api.endpoints import companies, industries
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
    named("request resolved before it was raised", "patch", "requests/{request}/", {"status": "resolved", "resolved_on": "2024-10-01", "resolution": "已协调"}, "resolved_on"),
    named("request resolved without saying how", "patch", "requests/{request}/", {"status": "resolved"}, "resolution"),
    named("request declined without saying why", "post", "requests/{request}/decline/", {"resolution": ""}, "resolution"),
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
    # Hostile input (issue 8): integer overflow, non-finite numbers, deep nesting, huge or broken bodies ---
    named("fortune 500 rank of 2^63", "post", "companies/", {"name": "x", "fortune500_rank": 2**63}, "fortune500_rank"),
    named("jobs planned of 2^63", "post", "projects/", {"name": "x", "jobs_planned": 2**63}, "jobs_planned"),
    named("negative jobs planned of -2^63", "post", "projects/", {"name": "x", "jobs_planned": -(2**63)}, "jobs_planned"),
    named("reference of 2^63", "post", "contacts/", {"name": "x", "company": 2**63}, "company"),
    named("reference list holding 2^63", "patch", "companies/{company}/", {"industries": [2**63]}, "industries"),
    named("id filter of 2^63", "get", f"contacts/?company={2**63}", None, "company"),
    named("page of 2^63", "get", f"companies/?page={2**63}", None, "detail", status=404),
    named("path id of 2^63", "get", f"companies/{2**63}/", None, "detail", status=404),
    named("version of 2^63", "patch", "companies/{company}/", {"city": "x", "version": 2**63}, "detail", status=412),
    named("amount of 1e309", "post", "projects/", '{"name": "x", "total_investment": 1e309}', "total_investment", raw=True),
    named("amount of -1e309", "post", "projects/", '{"name": "x", "total_investment": -1e309}', "total_investment", raw=True),
    named("jobs planned of 1e309", "post", "projects/", '{"name": "x", "jobs_planned": 1e309}', "jobs_planned", raw=True),
    named("amount given as the JSON literal NaN", "post", "projects/", '{"name": "x", "total_investment": NaN}', "detail", raw=True),
    named("amount given as the JSON literal Infinity", "post", "projects/", '{"name": "x", "total_investment": Infinity}', "detail", raw=True),
    named("rank given as NaN", "post", "companies/", {"name": "x", "fortune500_rank": "NaN"}, "fortune500_rank"),
    named("range filter given NaN", "get", "projects/?total_investment__gte=NaN", None, "total_investment__gte"),
    named("range filter given 1e309", "get", "projects/?total_investment__gte=1e309", None, "total_investment__gte"),
    named("body nested 10,000 levels deep", "post", "companies/", '{"name": ' + "[" * 10_000 + "]" * 10_000 + "}", "detail", raw=True),
    named("body of objects nested 10,000 levels deep", "post", "companies/", '{"tags": ' + '{"a":' * 10_000 + "1" + "}" * 10_000 + "}", "detail", raw=True),
    named("body of 3 MB", "post", "companies/", '{"name": "' + "x" * 3_000_000 + '"}', "detail", raw=True, status=413),
    named("body of invalid UTF-8", "post", "companies/", b'{"name": "\xff\xfe\xfd"}', "detail", raw=True),
    named("body of UTF-8 cut in a character", "patch", "contacts/{contact}/", '{"notes": "张"}'.encode()[:-3] + b'"}', "detail", raw=True),
    named("body that is a lone surrogate", "post", "companies/", '{"name": "\\ud800"}', "name", raw=True),
    named("NUL escaped in a JSON body", "post", "companies/", '{"name": "a\\u0000b"}', "name", raw=True),
    named("invalid UTF-8 in a filter", "get", "trips/?start_date__gte=%FF%FE", None, "start_date__gte"),
    named("invalid UTF-8 in a search", "get", "companies/?search=%FF%FE", None, "results", status=200),
    # Dates and datetimes that do not exist, or exist nowhere on the clock ---------------------------
    named("29 February of a common year", "patch", "trips/{trip}/", {"start_date": "2023-02-29"}, "start_date"),
    named("year zero", "patch", "trips/{trip}/", {"end_date": "0000-01-01"}, "end_date"),
    named("month thirteen in a body", "post", "milestones/", lambda w: {"project": w["project"].pk, "title": "x", "due_on": "2025-13-01"}, "due_on"),
    named("hour 24", "patch", "meetings/{meeting}/", {"starts_at": "2024-10-22T24:00:00+08:00"}, "starts_at"),
    named("offset beyond a day", "patch", "meetings/{meeting}/", {"starts_at": "2024-10-22T09:30:00+25:00"}, "starts_at"),
    named("datetime before the time zone had a standard offset", "patch", "meetings/{meeting}/", {"starts_at": "0373-12-06T06:37:33+22:31"}, "starts_at"),
    named("datetime in the year 9999 at +14:00", "patch", "meetings/{meeting}/", {"starts_at": "9999-12-31T23:59:59-14:00"}, "starts_at"),
    named("naive datetime in the lost hour of 1991 daylight time", "patch", "meetings/{meeting}/", {"starts_at": "1991-04-14T02:30:00"}, "starts_at"),
    named("naive datetime in the repeated hour of 1991 daylight time", "patch", "meetings/{meeting}/", {"ends_at": "2099-09-15T01:30:00"}, "ends_at"),
    named("datetime filter before the standard offset", "get", "meetings/?starts_at__gte=0001-01-01T00:00:00%2B14:00", None, "starts_at__gte"),
    # HTML and script are text: stored and answered verbatim in JSON, never interpreted ----------------
    named("script in a company name", "post", "companies/", {"name": "<script>alert(1)</script>"}, "name", status=201),
    named("HTML in a contact's notes", "patch", "contacts/{contact}/", {"notes": '<img src=x onerror="alert(1)">'}, "notes", status=200),
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
        companies.CompanyViewSet,
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
        companies.CompanyViewSet,
        "perform_update",
        lambda: Company.objects.create(name="先到", credit_code=code),
    )
    response = api.patch(f"{API}companies/{company.pk}/", {"credit_code": code}, **if_match(1))
    assert response.status_code == 409, response.content
    company.refresh_from_db()
    assert (company.credit_code, company.version) == ("", 1)


def test_an_industry_code_taken_during_a_create_answers_409(api, monkeypatch):
    racing(monkeypatch, industries.IndustryViewSet, "perform_create", lambda: IndustryFactory(code="low-altitude"))
    response = api.post(f"{API}industries/", {"name": "低空经济", "code": "low-altitude"}, format="json")
    assert response.status_code == 409, response.content


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/companies/abc/", "/api/v1/nothing-here/", "/api/v1/companies/1/x/"])
def test_an_unknown_api_path_answers_json_404(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "shape",
    [float, lambda pk: f"{pk}.0", lambda pk: f"{pk}e0", lambda pk: [pk], lambda pk: {"id": pk}, lambda pk: True],
    ids=["float", "decimal-string", "exponent-string", "list", "object", "boolean"],
)
def test_a_reference_must_be_an_integer_id(api, shape):
    from tests.factories import CompanyFactory

    company = CompanyFactory()  # exists: a value coerced to its id would find it
    response = api.post("/api/v1/contacts/", {"company": shape(company.pk), "name": "张三"}, format="json")
    assert response.status_code == 400
    assert "company" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("header", ['"1', '1"', 'W/"1', '""'])
def test_a_malformed_if_match_never_matches(api, header):
    from tests.factories import CompanyFactory

    company = CompanyFactory()
    response = api.patch(f"/api/v1/companies/{company.pk}/", {"city": "常州"}, format="json", HTTP_IF_MATCH=header)
    assert response.status_code == 412

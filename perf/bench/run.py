"""The benchmark of docs/performance.md: every list endpoint against its raw-SQL floor, and every
report against its own SQL replayed, in one process.

Everything is compared within the same run (ratios, medians of interleaved rounds), because the
machine is shared and absolute milliseconds mean little from one run to the next.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import orjson
from django.db import connection
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.api.urls import router

from .floors import Floor, floor_connection, floor_for
from .parts import import_benchmark, machine_info, scale_info, sweep_benchmark, timed
from .throughput import throughput_benchmark

BENCH_USER = "bench-manager"
PAGE_SIZE = 50
DEEP_PAGE = 1000
# A report slower than this is measured in this many rounds only.
STATS_SLOW_SECONDS = 1.0
STATS_SLOW_ROUNDS = 3
# The statements of a request's authentication (the token; the session, its user and the admin's
# permissions): not the report's own SQL, so not part of its floor.
AUTHENTICATION = ('"authtoken_token"', '"django_session"', '"auth_permission"')
SESSION_USER = 'SELECT "crm_user"."id", "crm_user"."password",'


class Timings:
    """Medians of a result's rounds, and its own against its floor's."""

    @staticmethod
    def median(values):
        return statistics.median(values) if values else None

    @property
    def ratio(self):
        api, floor = self.median(self.api), self.median(self.floor)
        return api / floor if api and floor else None


@dataclass
class EndpointResult(Timings):
    name: str
    url: str
    rows: int = 0
    queries: int = 0
    queries_deep: int = 0
    deep_page: int = 1
    same_json: bool | None = None
    api: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    api_deep: list[float] = field(default_factory=list)
    floor_deep: list[float] = field(default_factory=list)
    # The deep page as a client that follows the links reads it (the ``next`` link of the page
    # before, which names a position: pagination.Keyset); ``api_jump``: by its number alone.
    deep_link: str = ""
    api_jump: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def deep_ratio(self):
        api, deep = self.median(self.api), self.median(self.api_deep)
        return deep / api if api and deep else None

    @property
    def jump_ratio(self):
        api, jump = self.median(self.api), self.median(self.api_jump)
        return jump / api if api and jump else None


@dataclass
class ReportResult(Timings):
    """One report at the scale of this database: its own timings against its floor (the report's
    own SQL replayed on a connection of its own, and its answer written with orjson)."""

    name: str
    url: str
    subject: str = ""  # which meeting, partner or year it is about, on this database's data
    queries: int = 0
    api: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    note: str = ""


@dataclass
class Report:
    rounds: int
    endpoints: list[EndpointResult] = field(default_factory=list)
    reports: list[ReportResult] = field(default_factory=list)
    # The same reports on the small database (perf/bench/scales.py): its data and its results;
    # the two scales' names in the tables (small, large).
    small_scale: dict = field(default_factory=dict)
    small_reports: list[ReportResult] = field(default_factory=list)
    scale_names: tuple[str, str] = ("the small database", "this database")
    sweep: dict = field(default_factory=dict)
    xlsx_import: dict = field(default_factory=dict)
    throughput: list[dict] = field(default_factory=list)
    machine: dict = field(default_factory=dict)
    scale: dict = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    # A trivial authenticated API request (auth/me/): the framework's fixed cost per request.
    baseline: list[float] = field(default_factory=list)

    def net_ratio(self, endpoint: EndpointResult) -> float | None:
        """The median, over rounds, of (list − trivial request) ÷ floor, each round's three timings
        taken one after the other: the list's own work against the floor's, with the fixed cost
        of any request (and the load of that moment) taken out."""
        pairs = list(zip(endpoint.api, endpoint.floor, self.baseline, strict=False))
        if not pairs:
            return None
        return statistics.median((api - base) / floor for api, floor, base in pairs)


def ms(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds * 1000:.1f}"


def bench_user():
    """A manager with a token (created once; reused by later runs)."""
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    from crm.models import User

    # No email address: as a manager it would otherwise get a digest of every escalation. Staff,
    # as anyone with a role is (crm/admin/users.py): the dashboard is the admin's index page.
    user, _ = User.objects.update_or_create(
        username=BENCH_USER, defaults={"full_name": "基准测试", "email": "", "is_active": True, "is_staff": True}
    )
    user.groups.add(Group.objects.get_or_create(name="manager")[0])
    token, _ = Token.objects.get_or_create(user=user)
    return user, token.key


def list_endpoints():
    """(name, url, floor) of every router list; the floors are written by hand (floors.py)."""
    found = []
    for prefix, _viewset, basename in router.registry:
        floor = floor_for(prefix) if connection.vendor == "postgresql" else None
        found.append((prefix, reverse(f"{basename}-list"), floor))
    return found


def report_requests() -> list[tuple[str, str, str, bool]]:
    """(name, url, subject, by session) of every report, on this database's data: the KPIs of the
    year with the most signings, the outcomes of the meeting with the most agreements, the
    timeline and briefing of the partner with the most projects, and the dashboard (the admin's
    index page, read with a session rather than a token)."""
    from crm.models import Agreement, Company, Meeting

    found = [
        ("signed by month", reverse("stats-signed"), "", False),
        ("signed by industry", reverse("stats-signed") + "?group_by=industry", "", False),
        ("pipeline", reverse("stats-pipeline"), "", False),
    ]
    busiest = (
        Agreement.objects.annotate(year=ExtractYear("signed_on"))
        .values("year")
        .annotate(signings=Count("id"))
        .order_by("-signings", "-year")
        .first()
    )
    if busiest:
        subject = f"{busiest['year']}: {busiest['signings']:,} agreements"
        found.append(("KPIs", f"{reverse('stats-kpis')}?year={busiest['year']}", subject, False))
    meeting = Meeting.objects.annotate(signings=Count("agreements")).order_by("-signings", "id").first()
    if meeting:
        subject = f"meeting {meeting.pk}: {meeting.signings} agreements"
        found.append(("event outcomes", reverse("stats-event", args=[meeting.pk]), subject, False))
    company = Company.objects.annotate(project_count=Count("projects")).order_by("-project_count", "id").first()
    if company:
        subject = f"partner {company.pk}: {company.project_count} projects"
        found.append(("timeline", reverse("company-timeline", args=[company.pk]), subject, False))
        found.append(("briefing", reverse("company-briefing", args=[company.pk]), subject, False))
    found.append(("dashboard", reverse("admin:index"), "", True))
    return found


def run(
    *,
    rounds: int = 50,
    throughput_seconds: float = 5.0,
    do_import: bool = True,
    do_throughput: bool = True,
    do_sweep: bool = True,
    do_lists: bool = True,
    do_reports: bool = True,
    log=print,
) -> Report:
    user, token = bench_user()
    client = Client(HTTP_AUTHORIZATION=f"Token {token}", raise_request_exception=False)
    session = Client(raise_request_exception=False)
    session.force_login(user)
    report = Report(rounds=rounds, machine=machine_info(), scale=scale_info())
    floor_db = floor_connection() if connection.vendor == "postgresql" else None
    cursor = floor_db.cursor() if floor_db else None
    results: list[tuple[EndpointResult, Floor | None]] = []

    for name, url, floor in list_endpoints() if do_lists else ():
        result = EndpointResult(name, url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        if response.status_code != 200:
            result.note = f"HTTP {response.status_code}"
            report.endpoints.append(result)
            continue
        body = response.json()
        result.queries = len(queries)
        result.rows = body["count"]
        pages = max(1, -(-min(body["count"], 10**9) // PAGE_SIZE))
        result.deep_page = max(1, min(DEEP_PAGE, pages - 1)) if pages > 1 else 1
        with CaptureQueriesContext(connection) as queries:
            deep = client.get(url, {"page": result.deep_page})
        result.queries_deep = len(queries)
        if deep.status_code != 200:
            result.note = f"page {result.deep_page}: HTTP {deep.status_code}"
        elif result.deep_page > 1:
            link = client.get(url, {"page": result.deep_page - 1}).json().get("next") or ""
            if "after=" in link:
                with CaptureQueriesContext(connection) as queries:
                    linked = client.get(link)
                if linked.status_code == 200 and linked.json() == deep.json():
                    result.deep_link, result.queries_deep = link, max(result.queries_deep, len(queries))
                else:
                    result.note = f"page {result.deep_page} by its link differs from page {result.deep_page} by number"
        if floor is not None:
            result.same_json = orjson.loads(floor.page(cursor, 1, PAGE_SIZE)) == body
            if not result.same_json:
                result.note = first_difference(orjson.loads(floor.page(cursor, 1, PAGE_SIZE)), body)
        else:
            result.note = result.note or "no floor on this database" if floor_db is None else "no floor"
        results.append((result, floor))
        report.endpoints.append(result)
        log(f"  {name}: {result.rows} rows, {result.queries} queries, same JSON: {result.same_json}")

    reports = []
    for name, url, subject, by_session in report_requests() if do_reports else ():
        reader = session if by_session else client
        result = ReportResult(name, url, subject)
        with CaptureQueriesContext(connection) as queries:
            response = reader.get(url)
        result.queries = len(queries)
        if response.status_code != 200:
            result.note = f"HTTP {response.status_code}"
        elif floor_db is None:
            result.note = "no floor on this database"
        replay = [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
            and not any(table in q["sql"] for table in AUTHENTICATION)
            and not q["sql"].startswith(SESSION_USER)
        ]
        answer = None
        if response.status_code == 200:
            # What the floor writes: the report's JSON, or the dashboard's page as one string.
            answer = response.content.decode() if by_session else response.json()
        reports.append((result, reader, replay, answer))
        report.reports.append(result)
        log(f"  {name}: {result.queries} queries{f', {result.note}' if result.note else ''}")

    if not results and not reports:
        rounds = 0
    log(f"  {rounds} rounds…")
    me = reverse("auth-me")
    for round_number in range(rounds):
        report.baseline.append(timed(lambda: client.get(me))[0])
        shift = round_number % len(results) if results else 0
        order = results[shift:] + results[:shift]
        for result, floor in order:
            result.api.append(timed(lambda r=result: client.get(r.url))[0])
            if floor is not None:
                result.floor.append(timed(lambda f=floor: f.page(cursor, 1, PAGE_SIZE))[0])
            if result.deep_page > 1:
                result.api_jump.append(timed(lambda r=result: client.get(r.url, {"page": r.deep_page}))[0])
                if result.deep_link:
                    result.api_deep.append(timed(lambda r=result: client.get(r.deep_link))[0])
                else:
                    result.api_deep.append(result.api_jump[-1])
                if floor is not None:
                    result.floor_deep.append(timed(lambda f=floor, r=result: f.page(cursor, r.deep_page, PAGE_SIZE))[0])
        for result, reader, replay, answer in reports:
            if answer is None:
                continue  # the report failed (its note says how)
            if round_number >= STATS_SLOW_ROUNDS and result.api and min(result.api) > STATS_SLOW_SECONDS:
                continue  # a report that takes seconds: a few rounds are enough (the doc says so)
            result.api.append(timed(lambda r=result, c=reader: c.get(r.url))[0])
            if cursor is not None:
                result.floor.append(timed(lambda q=replay, a=answer: _replay(cursor, q, a))[0])

    # A part that fails is reported as failed; it never loses the measurements of the others.
    if do_sweep:
        log("  reminder sweep…")
        report.sweep = _guarded(report, "reminder sweep", lambda: sweep_benchmark(max(rounds, 5)), {})
    if do_import:
        log("  XLSX import of 10,000 companies…")
        report.xlsx_import = _guarded(report, "XLSX import", lambda: import_benchmark(user), {})
    if do_throughput and connection.vendor == "postgresql":
        log("  throughput (gunicorn on loopback)…")
        report.throughput = _guarded(
            report, "throughput", lambda: throughput_benchmark(token, results, throughput_seconds, log), []
        )
    if floor_db is not None:
        floor_db.close()
    return report


def _guarded(report, part: str, function, empty):
    try:
        return function()
    except Exception as exc:  # noqa: BLE001  (reported in the tables)
        report.failures.append(f"{part}: {type(exc).__name__}: {str(exc)[:1500]}")
        return empty


def _replay(cursor, queries, data):
    for sql in queries:
        cursor.execute(sql)
        cursor.fetchall()
    return orjson.dumps(data)


def first_difference(floor, api, path="") -> str:
    if isinstance(api, dict) and isinstance(floor, dict):
        for key in api.keys() | floor.keys():
            if key not in floor or key not in api:
                return f"{path}.{key}: missing on one side"
            if floor[key] != api[key]:
                return first_difference(floor[key], api[key], f"{path}.{key}")
    if isinstance(api, list) and isinstance(floor, list) and len(api) == len(floor):
        for index, (a, b) in enumerate(zip(floor, api, strict=True)):
            if a != b:
                return first_difference(a, b, f"{path}[{index}]")
    return f"{path}: floor {str(floor)[:60]!r} ≠ API {str(api)[:60]!r}"

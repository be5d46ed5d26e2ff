"""The benchmark of docs/performance.md: every list endpoint against its raw-SQL floor, in one process.

Everything is compared within the same run (ratios, medians of interleaved rounds), because the
machine is shared and absolute milliseconds mean little from one run to the next.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import orjson
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.api.urls import router

from .floors import Floor, floor_connection, floor_for
from .parts import import_benchmark, machine_info, scale_info, sweep_benchmark, timed
from .throughput import throughput_benchmark

STATS = ["stats-signed", "stats-pipeline", "stats-kpis"]
BENCH_USER = "bench-manager"
PAGE_SIZE = 50
DEEP_PAGE = 1000
# A stats report slower than this is measured in this many rounds only.
STATS_SLOW_SECONDS = 1.0
STATS_SLOW_ROUNDS = 3


@dataclass
class EndpointResult:
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

    @staticmethod
    def median(values):
        return statistics.median(values) if values else None

    @property
    def ratio(self):
        api, floor = self.median(self.api), self.median(self.floor)
        return api / floor if api and floor else None

    @property
    def deep_ratio(self):
        api, deep = self.median(self.api), self.median(self.api_deep)
        return deep / api if api and deep else None

    @property
    def jump_ratio(self):
        api, jump = self.median(self.api), self.median(self.api_jump)
        return jump / api if api and jump else None


@dataclass
class Report:
    rounds: int
    endpoints: list[EndpointResult] = field(default_factory=list)
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

    # No email address: as a manager it would otherwise get a digest of every escalation.
    user, _ = User.objects.update_or_create(
        username=BENCH_USER, defaults={"full_name": "基准测试", "email": "", "is_active": True}
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


def run(
    *,
    rounds: int = 50,
    throughput_seconds: float = 5.0,
    do_import: bool = True,
    do_throughput: bool = True,
    do_sweep: bool = True,
    do_lists: bool = True,
    log=print,
) -> Report:
    user, token = bench_user()
    client = Client(HTTP_AUTHORIZATION=f"Token {token}", raise_request_exception=False)
    report = Report(rounds=rounds, machine=machine_info(), scale=scale_info())
    floor_db = floor_connection() if connection.vendor == "postgresql" else None
    cursor = floor_db.cursor() if floor_db else None
    results: list[tuple[EndpointResult, Floor | None]] = []

    for name, url, floor in list_endpoints():
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

    stats = []
    if not do_lists:
        rounds, report.endpoints = 0, []
    for name in STATS if do_lists else ():
        url = reverse(name)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        result = EndpointResult(name.replace("-", "/") + "/", url, queries=len(queries))
        replay = [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].lstrip().upper().startswith(("SELECT", "WITH")) and "authtoken_token" not in q["sql"]
        ]
        data = response.json() if response.status_code == 200 else None
        result.same_json = True if data is not None else None
        result.note = "floor: the view's own SQL replayed + orjson" if floor_db else "no floor on this database"
        stats.append((result, replay, data))
        report.endpoints.append(result)

    log(f"  {rounds} rounds…")
    me = reverse("auth-me")
    for round_number in range(rounds):
        report.baseline.append(timed(lambda: client.get(me))[0])
        order = results[round_number % len(results) :] + results[: round_number % len(results)]
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
        for result, replay, data in stats:
            if round_number >= STATS_SLOW_ROUNDS and result.api and min(result.api) > STATS_SLOW_SECONDS:
                continue  # a report that takes seconds: a few rounds are enough (the doc says so)
            result.api.append(timed(lambda r=result: client.get(r.url))[0])
            if cursor is not None and data is not None:
                result.floor.append(timed(lambda q=replay, d=data: _replay(cursor, q, d))[0])

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

"""The benchmark of docs/performance.md: every list endpoint against its raw-SQL floor, in one process.

Everything is compared within the same run (ratios, medians of interleaved rounds), because the
machine is shared and absolute milliseconds mean little from one run to the next.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.api.urls import router

from .floors import Floor, floor_connection, floor_for

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


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


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


# The reminder sweep ---------------------------------------------------------------------------------


def sweep_benchmark(rounds: int) -> dict:
    """The minute-by-minute (incremental) sweep, once today's full plan and its backlog are done."""
    from crm import reminders
    from crm.models import Milestone

    backend = settings.EMAIL_BACKEND
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    try:
        warmup = []
        for _ in range(200):  # the day's full plan, then the backlog of emails, 200 a sweep
            seconds, result = timed(reminders.sweep)
            warmup.append(seconds)
            if result["emails"] == 0 and result["created"] == 0:
                break
        # Right after a sending burst the claim's partial index still holds the sent rows' dead
        # entries; autovacuum (crm_reminder's thresholds, migration 0008) removes them soon after.
        unvacuumed = [timed(reminders.sweep)[0] for _ in range(min(rounds, 5))]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE) crm_reminder")
        with CaptureQueriesContext(connection) as queries:
            reminders.sweep()
        times = [timed(reminders.sweep)[0] for _ in range(rounds)]
        plans = explain(queries.captured_queries)
    finally:
        settings.EMAIL_BACKEND = backend
    from django.core import mail

    mail.outbox = []
    return {
        "milestones": Milestone.objects.count(),
        "median": statistics.median(times),
        "median_unvacuumed": statistics.median(unvacuumed),
        "queries": len(queries.captured_queries),
        "query_ms": sum(float(q["time"]) for q in queries.captured_queries) * 1000,
        "warmup_sweeps": len(warmup),
        "first_sweep": warmup[0] if warmup else None,
        "plans": plans,
    }


def explain(captured, top: int = 3) -> list[tuple[str, str]]:
    """EXPLAIN (ANALYZE) of the slowest reads of a captured sweep."""
    if connection.vendor != "postgresql":
        return []
    reads = [q for q in captured if q["sql"].lstrip().upper().startswith("SELECT")]
    reads.sort(key=lambda q: float(q["time"]), reverse=True)
    plans = []
    with connection.cursor() as cursor:
        for query in reads[:top]:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + query["sql"])
            plans.append((query["sql"], "\n".join(row[0] for row in cursor.fetchall())))
    return plans


# The XLSX import ---------------------------------------------------------------------------------------


def import_benchmark(user, rows: int = 10_000) -> dict:
    """django-import-export's CompanyResource on a generated xlsx of new companies, rolled back."""
    import tablib
    from openpyxl import Workbook

    from crm.imports import CompanyResource

    book = Workbook()
    sheet = book.active
    sheet.append(["名称", "简称", "类型", "城市", "省份", "国家/地区", "上市公司", "简介"])
    stamp = int(time.time())
    for i in range(rows):
        sheet.append([f"基准导入企业{stamp}-{i:05d}", f"导入{i}", "企业", "常州", "江苏", "CN", "否", "基准测试导入"])
    buffer = io.BytesIO()
    book.save(buffer)
    dataset = tablib.Dataset().load(buffer.getvalue(), format="xlsx")
    started = time.perf_counter()
    with transaction.atomic():
        result = CompanyResource(user=user).import_data(dataset, dry_run=False, raise_errors=False)
        transaction.set_rollback(True)
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds, "errors": result.has_errors() or result.has_validation_errors()}


# Throughput -------------------------------------------------------------------------------------------


def free_port(first: int = 18700, last: int = 18719) -> int:
    for port in range(first, last + 1):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 18700–18719")


def throughput_benchmark(token: str, results, seconds: float, log) -> list[dict]:
    """Requests per second of the milestones list against the raw-SQL view, gunicorn on loopback."""
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "perf.bench.settings", "PYTHONUNBUFFERED": "1"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    errors = tempfile.TemporaryFile()  # not a pipe: a chatty server must never block on it
    server = subprocess.Popen(
        [str(gunicorn), "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(os.cpu_count() or 2), "-k", "sync",
         "--access-logfile", "/dev/null", "--error-logfile", "-", "--log-level", "warning"],
        env=env, cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL, stderr=errors,
    )  # fmt: skip
    try:
        wait_for(port, server, errors)
        rows = []
        wanted = [r for r, f in results if f is not None and r.name in ("milestones", "projects")]
        for result in wanted:
            api = f"http://127.0.0.1:{port}{result.url}"
            floor = f"http://127.0.0.1:{port}/bench/floor/{result.name}/"
            for url in (api, floor):  # the workers boot and build their floors: not measured
                check(url, token)
                load(url, token, 2)
            measured = {"api": [], "floor": []}
            for _ in range(2):  # interleaved
                measured["api"].append(load(api, token, seconds))
                measured["floor"].append(load(floor, token, seconds))
            api_rps, floor_rps = statistics.mean(measured["api"]), statistics.mean(measured["floor"])
            rows.append({"name": result.name, "api": api_rps, "floor": floor_rps, "tool": load_tool()})
            log(f"  {result.name}: {api_rps:.0f} req/s vs raw SQL {floor_rps:.0f} req/s")
        return rows
    finally:
        server.terminate()
        server.wait(timeout=30)
        errors.close()


def wait_for(port: int, server, errors, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            errors.seek(0)
            raise RuntimeError("gunicorn exited: " + errors.read().decode(errors="replace")[-2000:])
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def check(url: str, token: str) -> None:
    """One request that must answer 200 (a worker still booting answers late, not wrongly)."""
    from urllib.request import Request, urlopen

    with urlopen(Request(url, headers={"Authorization": f"Token {token}"}), timeout=120) as response:
        if response.status != 200:
            raise RuntimeError(f"{url}: HTTP {response.status}")


def load_tool() -> str:
    return "wrk" if shutil.which("wrk") else "python threads"


def load(url: str, token: str, seconds: float, connections: int = 4) -> float:
    """Requests per second (2xx only) with ``connections`` keep-alive clients."""
    if shutil.which("wrk"):
        out = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "-H", f"Authorization: Token {token}",
             "--latency", url],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        failed = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        if failed:  # only answered requests count: the failed ones are taken out of the rate
            total = int(re.search(r"(\d+) requests in", out).group(1))
            rate *= 1 - int(failed.group(1)) / max(total, 1)
        return rate
    return _thread_load(url, token, seconds, connections)


def _thread_load(url: str, token: str, seconds: float, connections: int) -> float:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    done, stop = [0] * connections, time.monotonic() + seconds

    def worker(index):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        while time.monotonic() < stop:
            conn.request("GET", parts.path, headers={"Authorization": f"Token {token}"})
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                done[index] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


# The machine and the data ------------------------------------------------------------------------------


def machine_info() -> dict:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            database = "PostgreSQL " + cursor.fetchone()[0]
        else:
            cursor.execute("SELECT sqlite_version()")
            database = "SQLite " + cursor.fetchone()[0]
    try:
        load_average = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load_average = "?"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "database": database,
        "python": platform.python_version(),
        "date": timezone.now().astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": load_average,
    }


def scale_info() -> dict:
    from crm.models import Company, Milestone, Project, Task

    return {m._meta.verbose_name_plural: m.objects.count() for m in (Company, Project, Milestone, Task)}

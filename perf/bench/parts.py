"""Parts of the benchmark beside the lists: the reminder sweep, an XLSX import, the machine and the data."""

from __future__ import annotations

import datetime as dt
import io
import os
import platform
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone


def timed(function):
    """``(seconds, result)`` of ``function()``."""
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


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

"""The benchmark's tables, in Markdown, and their place in docs/performance.md."""

from __future__ import annotations

import re
from pathlib import Path
from statistics import median

from .run import STATS_SLOW_ROUNDS, STATS_SLOW_SECONDS, Report, ReportResult, ms

# Targets of issue 7.
MAX_RATIO = 3.0
MAX_QUERIES = 3
MAX_DEEP_RATIO = 1.5
SWEEP_MS = 10.0
MIN_THROUGHPUT_SHARE = 0.5
# Targets of issue 19: every report within 200 ms at scale 100, and none that grows tenfold with
# tenfold data without a plan. A report at least this many times slower on the large database
# than on the small one grows about as its data does.
REPORT_MS = 200.0
TENFOLD = 8.0

# The plan for each report that grows tenfold with tenfold data, by its name in the table (the
# names of run.report_requests): written under the reports' table, in docs/performance.md.
# Those over the whole history grow with it by nature: they read every signing (every project,
# every ended stay) once, with no Python loop over them (docs/stats.md, "How the figures are
# computed"). What would take them off the data's size, when a city's history outgrows them:
_ROLLUP = (
    "a rollup kept in the same transaction as the writes (the agreement and stage services) — "
    "{what} — read when no filter narrows the request; the statements of today stay for the "
    "filtered ones, and a test after every kind of write holds the two equal."
)
PLANS: dict[str, str] = {
    "signed by month": _ROLLUP.format(what="first and later signings summed per month, meeting, owner, location"),
    "signed by industry": _ROLLUP.format(what="the same per industry"),
    "pipeline": _ROLLUP.format(what="per stage: projects, sums, and the ended stays counted by length"),
    "dashboard": "the pipeline's and the signed report's (it draws their figures).",
    "KPIs": _ROLLUP.format(what="the projects due to start or complete per year and whether they did"),
}


def verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("✅" if ok else "❌")


def markdown(report: Report, command: str) -> str:
    m = report.machine
    scale = ", ".join(f"{count:,} {name}" for name, count in report.scale.items())
    out = [
        f"Run: `{command}` — {m['date']}, {m['cpu']}, {m['cores']} cores, {m['database']}, Python {m['python']}, "
        f"load average at the start {m['load']}. Data: {scale}. {report.rounds} interleaved rounds; medians. "
        f"A trivial authenticated request (`/api/v1/auth/me/`) took "
        f"{ms(median(report.baseline) if report.baseline else None)} ms; "
        "*net ÷ floor* is the median over rounds of (list − that request) ÷ floor. *Deep* is the page "
        "reached by the `next` link of the page before it (a position, read on the index); *jump* is the "
        "same page asked for by its number alone (an OFFSET walk).",
        "",
        "| endpoint | rows | queries (p.1 / deep) | API p.1 ms | floor p.1 ms | API ÷ floor | net ÷ floor | "
        "deep page | API deep ms | deep ÷ p.1 | jump ÷ p.1 | same JSON | ok |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:-:|:-:|",
    ]
    if not report.endpoints:
        out = out[:1]  # no list measured (--no-lists)
    for e in report.endpoints:
        ratio, deep, jump = e.ratio, e.deep_ratio, e.jump_ratio
        net = report.net_ratio(e) if e.floor else None
        checks = [e.queries <= MAX_QUERIES]
        if ratio is not None:
            checks.append(ratio <= MAX_RATIO)
        if deep is not None:
            checks.append(deep <= MAX_DEEP_RATIO)
        deep_queries = f" / {e.queries_deep}" if e.deep_page > 1 else ""
        out.append(
            f"| `{e.url}` | {e.rows:,} | {e.queries}{deep_queries} | {ms(e.median(e.api))} | {ms(e.median(e.floor))} | "
            f"{'–' if ratio is None else f'{ratio:.1f}×'} | {'–' if net is None else f'{net:.1f}×'} | "
            f"{e.deep_page if e.deep_page > 1 else '–'} | "
            f"{ms(e.median(e.api_deep))} | {'–' if deep is None else f'{deep:.2f}×'} | "
            f"{'–' if jump is None or not e.deep_link else f'{jump:.2f}×'} | "
            f"{verdict(e.same_json)} | {verdict(all(checks))} |"
        )
    notes = [f"- `{e.url}`: {e.note}" for e in report.endpoints if e.note]
    if notes:
        out += ["", *notes]
    if report.reports:
        out += ["", *reports_table(report)]
    if report.sweep:
        s = report.sweep
        out += [
            "",
            f"**Reminder sweep** (incremental, after today's full plan) at {s['milestones']:,} milestones: "
            f"median {ms(s['median'])} ms, {s['queries']} queries ({s['query_ms']:.1f} ms of them in the "
            f"database); target < {SWEEP_MS:.0f} ms {verdict(s['median'] * 1000 < SWEEP_MS)}. The first sweep of "
            f"the run took {ms(s['first_sweep'])} ms ({s['warmup_sweeps']} sweeps to reach the steady state); "
            f"before the queue table was vacuumed, {ms(s.get('median_unvacuumed'))} ms.",
        ]
    if report.xlsx_import:
        x = report.xlsx_import
        out += [
            "",
            f"**XLSX import** of {x['rows']:,} new companies (CompanyResource.import_data, rolled back): "
            f"{x['seconds']:.1f} s ({x['rows'] / x['seconds']:.0f} rows/s){', with errors' if x['errors'] else ''}.",
        ]
    if report.throughput:
        out += [
            "",
            "| throughput (gunicorn, loopback) | API req/s | raw-SQL view req/s | share | ok |",
            "|---|---:|---:|---:|:-:|",
        ]
        for t in report.throughput:
            share = t["api"] / t["floor"] if t["floor"] else 0
            out.append(
                f"| `{t['name']}` ({t['tool']}) | {t['api']:.0f} | {t['floor']:.0f} | {share:.0%} | "
                f"{verdict(share >= MIN_THROUGHPUT_SHARE)} |"
            )
    if report.failures:
        out += ["", "**Failed parts** (the rest of the run stands):", *[f"- {f}" for f in report.failures]]
    return "\n".join(out) + "\n"


def growth(small: float | None, large: float | None) -> float | None:
    """How many times the large scale's cost is the small one's (None when either is missing)."""
    return large / small if small and large else None


def times(value: float | None, places: int = 1) -> str:
    return "–" if value is None else f"{value:.{places}f}×"


def reports_table(report: Report) -> list[str]:
    """Every report at both scales against its floor, the subjects each scale's data gave them,
    and the plans of those that grow tenfold with tenfold data."""
    small_name, large_name = report.scale_names
    small = {result.name: result for result in report.small_reports}

    def data(scale: dict) -> str:
        return ", ".join(f"{count:,} {name}" for name, count in scale.items()) or "not measured"

    out = [
        f"**Reports** at {large_name} (the data above) and at {small_name} ({data(report.small_scale)}), "
        f"the small scale first in a run of its own; medians of the rounds (a report over "
        f"{STATS_SLOW_SECONDS:.0f} s: {STATS_SLOW_ROUNDS} rounds). The *floor* is the report's own SQL replayed "
        "on a connection of its own, and its answer written with orjson (the dashboard's: its HTML page). "
        f"Target: at most {REPORT_MS:.0f} ms at {large_name}; a report {TENFOLD:.0f}× or more slower at "
        f"{large_name} than at {small_name} grows with its data, and is named with its plan.",
        "",
        f"| report | {small_name} ms | {large_name} ms | ratio | floor ms at {large_name} | floor ratio | API ÷ floor | "
        f"queries | ≤ {REPORT_MS:.0f} ms | note |",
        "|---|---:|---:|---:|---:|---:|---:|---:|:-:|---|",
    ]
    tenfold, subjects = [], []
    for result in report.reports:
        other = small.get(result.name) or ReportResult(result.name, "")
        api, floor = result.median(result.api), result.median(result.floor)
        ratio = growth(other.median(other.api), api)
        queries = f"{other.queries} / {result.queries}" if other.api and other.queries != result.queries else ""
        notes = [result.note] if result.note else []
        if other.note:
            notes.append(f"{small_name}: {other.note}")
        if ratio is not None and ratio >= TENFOLD:
            tenfold.append(result.name)
            notes.append("grows tenfold: " + ("plan below" if result.name in PLANS else "no plan yet"))
        out.append(
            f"| {result.name} `{result.url}` | {ms(other.median(other.api))} | {ms(api)} | {times(ratio)} | "
            f"{ms(floor)} | {times(growth(other.median(other.floor), floor))} | {times(result.ratio)} | "
            f"{queries or result.queries} | {verdict(None if api is None else api * 1000 <= REPORT_MS)} | "
            f"{'; '.join(notes)} |"
        )
        if result.subject:
            elsewhere = f"; at {small_name}, {other.subject}" if other.subject else ""
            subjects.append(f"- {result.name}: at {large_name}, {result.subject}{elsewhere}")
    out.append("")
    out.append(
        f"*ratio*: {large_name} ÷ {small_name}, of the report and of its floor; *queries*: at {large_name}, "
        f"or {small_name} / {large_name} when they differ. The subjects, picked on each database's data:"
    )
    out += subjects
    planned = [name for name in PLANS if name in {result.name for result in report.reports}]
    missing = [name for name in tenfold if name not in PLANS]
    if planned or missing:
        out += ["", "**Plans for the reports that grow with their data:**"]
        out += [f"- {name}: {PLANS[name]}" for name in planned]
        out += [f"- {name}: no plan written yet (PLANS, perf/bench/report.py)." for name in missing]
    return out


def plans(report: Report) -> str:
    """The query plans of the sweep's slowest reads (printed by the run, not written to the docs)."""
    out = []
    for sql, plan in (report.sweep or {}).get("plans", []):
        out += ["", sql, plan]
    return "\n".join(out) + "\n"


def write_section(path: Path, section: str, text: str) -> None:
    """Replace the text between ``<!-- bench:{section} -->`` markers (appended when absent)."""
    start, end = f"<!-- bench:{section}:start -->", f"<!-- bench:{section}:end -->"
    block = f"{start}\n{text}{end}"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if pattern.search(current):
        updated = pattern.sub(lambda _: block, current)
    else:
        updated = current.rstrip("\n") + f"\n\n{block}\n"
    path.write_text(updated, encoding="utf-8")

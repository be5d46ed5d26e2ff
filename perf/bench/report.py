"""The benchmark's tables, in Markdown, and their place in docs/performance.md."""

from __future__ import annotations

import re
from pathlib import Path
from statistics import median

from .run import Report, ms

# Targets of issue 7.
MAX_RATIO = 3.0
MAX_QUERIES = 3
MAX_DEEP_RATIO = 1.5
SWEEP_MS = 10.0
MIN_THROUGHPUT_SHARE = 0.5


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
        net = report.net_ratio(e) if e.floor and not e.name.startswith("stats") else None
        checks = [e.queries <= MAX_QUERIES or e.name.startswith("stats")]
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
    notes = [f"- `{e.url}`: {e.note}" for e in report.endpoints if e.note and not e.name.startswith("stats")]
    if notes:
        out += ["", *notes]
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

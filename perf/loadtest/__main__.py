#!/usr/bin/env python3
"""Load and soak tests against gunicorn on loopback (docs/reliability.md, "Load and soak").

    .venv/bin/python -m perf.loadtest --profile normal    # 50 users, 5 min: 0 errors, p99 < 800 ms
    .venv/bin/python -m perf.loadtest --profile overload  # 200 users, 2 min: only 429/503; then
                                                              # 50 users again: recovered within 30 s
    .venv/bin/python -m perf.loadtest --profile soak      # 50 users, 30 min: RSS growth < 10 %
    .venv/bin/python -m perf.loadtest --profile short     # what CI runs (tests/hardening/test_load.py)

It starts gunicorn, the Celery worker and beat itself (DEBUG off, production flags), prepares the
load accounts in the database (``load001``… editors with tokens), reads ids to work on through the
API, runs the phases, writes a JSON summary (``--out``) and exits 1 when a target is missed.
The database should hold realistic data first:

    createdb crm_h_load
    DATABASE_URL=postgres://…/crm_h_load manage.py migrate && manage.py seed_demo && manage.py generate_data --scale 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository

from perf.loadtest.stack import (
    LoadSetupError,
    Stack,
    accounts_via_subprocess,
    clear_throttles,
    default_workers,
    memory_growth,
    production_env,
)
from perf.loadtest.workload import Account, Client, Run, VirtualUser, phase_summary, read_catalog, recovery

P99_LIMIT_MS = 800.0
RECOVERY_LIMIT_S = 30.0
RSS_GROWTH_LIMIT_PCT = 10.0

# name: (users, seconds) of the main phase, overload users and seconds, recovery users and seconds
PROFILES = {
    "normal": {"users": 50, "seconds": 300},
    "overload": {"users": 50, "seconds": 0, "overload_users": 200, "overload_seconds": 120, "recovery_seconds": 60},
    "soak": {"users": 50, "seconds": 1800},
    "short": {"users": 10, "seconds": 20, "overload_users": 40, "overload_seconds": 10, "recovery_seconds": 15},
}


def duration(text: str) -> float:
    """``90``, ``90s``, ``5m``, ``1h`` → seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    return float(text[:-1]) * units[text[-1]] if text[-1] in units else float(text)


class LoadSampler:
    """/proc/loadavg every 10 s while the run lasts: the machine is shared, say how busy it was."""

    def __init__(self):
        self.values: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        while not self.stop.is_set():
            self.values.append(float(Path("/proc/loadavg").read_text().split()[0]))
            self.stop.wait(10)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()

    def summary(self) -> dict:
        v = self.values or [0.0]
        return {"mean_1min": round(sum(v) / len(v), 2), "max_1min": max(v), "samples": len(self.values)}


def count_sweeps(log: Path) -> int:
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return 0
    return sum(1 for line in text.splitlines() if "sweep_reminders" in line and "succeeded" in line)


def run_profile(args, stack: Stack, accounts: list[Account]) -> tuple[dict, list[str]]:
    """The phases of the profile against a running stack: (summary, failed targets)."""
    profile = dict(PROFILES[args.profile])
    if args.users:
        profile["users"] = args.users
    if args.duration:
        profile["seconds"] = duration(args.duration)
    catalog = read_catalog(Client(stack.base_url), accounts[0].token)
    run = Run(stack.base_url, accounts, catalog, skip=tuple(args.skip_action))
    failures: list[str] = []
    result: dict = {"profile": args.profile, "phases": {}}

    # Warm-up: the first requests of a fresh worker import and compile; they are not the service.
    run.phase("warmup", min(10, profile["users"]), args.warmup, ramp_per_s=5)
    memory_warm = stack.memory()
    excluded = tuple(args.latency_exclude)
    result["phases"]["warmup"] = phase_summary(run, "warmup")

    if profile["seconds"]:
        # Resident memory every minute of the main phase; the soak compares the sample taken
        # --rss-baseline seconds in (the caches and pools have filled by then) with the last one.
        timeline: list[dict] = []
        stop_sampling = threading.Event()

        def sample_memory():
            t0 = time.monotonic()
            while True:
                mem = stack.memory()
                timeline.append(
                    {"at_s": round(time.monotonic() - t0), **{g: sum(p.values()) for g, p in mem.items()}, "kib": mem}
                )
                if stop_sampling.wait(args.rss_every):
                    return

        sampler = threading.Thread(target=sample_memory, daemon=True)
        sampler.start()
        cpu_before = stack.cpu()
        run.phase("main", profile["users"], profile["seconds"], ramp_per_s=10)
        cpu_used = {k: round(v - cpu_before.get(k, 0.0), 2) for k, v in stack.cpu().items()}
        stop_sampling.set()
        sampler.join()
        timeline.append(
            {
                "at_s": round(run.phases["main"][1] - run.phases["main"][0]),
                **{g: sum(p.values()) for g, p in stack.memory().items()},
                "kib": stack.memory(),
            }
        )
        result["memory_timeline_kib"] = [{k: v for k, v in t.items() if k != "kib"} for t in timeline]
        baseline = next((t for t in timeline if t["at_s"] >= args.rss_baseline), timeline[0])
        memory_warm = baseline["kib"]
        result["memory_baseline_at_s"] = baseline["at_s"]
        main = phase_summary(run, "main", excluded)
        main["server_cpu_s"] = cpu_used
        main["server_cpu_ms_per_request"] = {
            k: round(1000 * v / main["requests"], 1) if main["requests"] else None for k, v in cpu_used.items()
        }
        result["phases"]["main"] = main
        if main["errors"] or main["throttled_429"] or main["shed_503"]:
            failures.append(f"main: {main['errors']} errors, {main['throttled_429']} 429, {main['shed_503']} 503")
        if main["p99_ms_judged"] >= P99_LIMIT_MS and not args.no_latency_target:
            failures.append(f"main: p99 {main['p99_ms_judged']} ms >= {P99_LIMIT_MS} ms")

    if profile.get("overload_users"):
        users = profile["overload_users"]
        run.phase("overload", users, profile["overload_seconds"], ramp_per_s=users / 5, wait_in_flight=False)
        run.phase("recovery", profile["users"], profile["recovery_seconds"], ramp_per_s=0)
        run.finish()
        over, rec = phase_summary(run, "overload", excluded), phase_summary(run, "recovery", excluded)
        rec["recovery"] = recovery(run, "recovery", p99_limit_ms=P99_LIMIT_MS, latency_exclude=excluded)
        if excluded:  # the same, every request counted, for the record
            rec["recovery_all_requests"] = recovery(run, "recovery", p99_limit_ms=P99_LIMIT_MS)
        result["phases"]["overload"], result["phases"]["recovery"] = over, rec
        if over["errors"]:
            failures.append(f"overload: {over['errors']} errors other than 429/503")
        after = rec["recovery"]["recovered_after_s"]
        result["recovered_after_s"] = after
        if excluded:
            result["recovered_after_s_all_requests"] = rec["recovery_all_requests"]["recovered_after_s"]
        if after is None or after > RECOVERY_LIMIT_S:
            late = [s for s in rec["recovery"]["slices"] if s["from_s"] >= RECOVERY_LIMIT_S]
            late_errors = sum(s["errors"] for s in late)
            if late_errors or not args.no_latency_target:
                failures.append(f"recovery: not back to 0 errors and p99 < {P99_LIMIT_MS} ms within 30 s ({after})")

    memory_end = stack.memory()
    result["memory_kib"] = {"baseline": memory_warm, "end": memory_end}
    result["memory_growth"] = memory_growth(memory_warm, memory_end)
    if args.profile == "soak":
        for group, growth in result["memory_growth"].items():
            if growth["growth_pct"] is None or growth["growth_pct"] >= RSS_GROWTH_LIMIT_PCT:
                failures.append(f"soak: {group} RSS growth {growth['growth_pct']} % (limit {RSS_GROWTH_LIMIT_PCT} %)")
    down = [name for name, up in stack.alive().items() if not up]
    if down:
        failures.append(f"processes died during the run: {down}")
    return result, failures


def default_database_url() -> str:
    """LOAD_DATABASE_URL, else DATABASE_URL (the database the rest of the project uses), else a
    local PostgreSQL database ``crm_h_load``."""
    return (
        os.environ.get("LOAD_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or "postgres://postgres@127.0.0.1:5432/crm_h_load"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m perf.loadtest", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--profile", choices=sorted(PROFILES), default="normal")
    parser.add_argument("--users", type=int, help="users of the main phase (profile default otherwise)")
    parser.add_argument("--duration", help="main phase: 90, 90s, 5m, 1h (profile default otherwise)")
    parser.add_argument("--warmup", type=float, default=15.0, help="seconds of warm-up with 10 users (not counted)")
    parser.add_argument(
        "--database-url",
        default=default_database_url(),
        help="the database to load (default: LOAD_DATABASE_URL, else DATABASE_URL, else crm_h_load on loopback)",
    )
    parser.add_argument("--redis-url", default=os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/9"))
    parser.add_argument("--port", type=int, default=18720)
    parser.add_argument("--workers", type=int, default=default_workers(), help="gunicorn workers (2 x cores + 1)")
    parser.add_argument("--no-celery", action="store_true", help="gunicorn only, no Celery worker and beat")
    parser.add_argument("--rss-every", type=float, default=60.0, help="seconds between two memory samples")
    parser.add_argument(
        "--rss-baseline", type=float, default=120.0, help="memory baseline: this many seconds into the main phase"
    )
    parser.add_argument(
        "--latency-exclude",
        action="append",
        default=[],
        metavar="NAME",
        help='judge p99 without this request, e.g. "GET /stats/pipeline/" (reported both ways)',
    )
    parser.add_argument(
        "--skip-action",
        action="append",
        default=[],
        metavar="ACTION",
        help="leave an action of loadtest.workload.VirtualUser out of the mix, e.g. pipeline (diagnosis only)",
    )
    parser.add_argument("--no-latency-target", action="store_true", help="report p99, do not fail on it")
    parser.add_argument("--var-dir", type=Path, help="logs, mail and beat's schedule (a temporary folder otherwise)")
    parser.add_argument("--out", type=Path, help="write the JSON summary here")
    args = parser.parse_args(argv)
    known = {action.__name__ for action, _weight in VirtualUser.ACTIONS}
    if set(args.skip_action) - known:
        parser.error(f"unknown --skip-action {sorted(set(args.skip_action) - known)}; known: {sorted(known)}")

    var_dir = args.var_dir or Path(tempfile.mkdtemp(prefix="crm-load-"))
    var_dir.mkdir(parents=True, exist_ok=True)
    env = production_env(args.database_url, args.redis_url, var_dir, args.port)
    profile = PROFILES[args.profile]
    needed = max(args.users or 0, profile["users"], profile.get("overload_users", 0))
    try:
        accounts = [Account(**a) for a in accounts_via_subprocess(env, needed)]
    except LoadSetupError as exc:
        print(exc, file=sys.stderr)
        return 2

    clear_throttles(args.redis_url)
    started = dt.datetime.now(dt.UTC)
    own_cpu = os.times()
    stack = Stack(env, args.port, args.workers, celery=not args.no_celery, log_dir=var_dir)
    with LoadSampler() as load, stack:
        result, failures = run_profile(args, stack, accounts)
    result.update(
        {
            "started_utc": started.isoformat(timespec="seconds"),
            "finished_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": " ".join([Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])]),
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
            "load_average": load.summary(),
            # The generator shares the machine: its own CPU, to set against the server's.
            "generator_cpu_s": round(sum(os.times()[:2]) - sum(own_cpu[:2]), 1),
            "gunicorn_workers": args.workers,
            "skipped_actions": args.skip_action,
            "celery": not args.no_celery,
            "celery_sweeps_succeeded": count_sweeps(var_dir / "worker.log"),
            "var_dir": str(var_dir),
            "targets": {"p99_ms": P99_LIMIT_MS, "recovery_s": RECOVERY_LIMIT_S, "rss_growth_pct": RSS_GROWTH_LIMIT_PCT},
            "failures": failures,
            "passed": not failures,
        }
    )
    text = json.dumps(result, ensure_ascii=False, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    brief = {k: v for k, v in result.items() if k != "phases"}
    brief["phases"] = {
        name: {k: v for k, v in phase.items() if k not in ("endpoints", "recovery", "recovery_all_requests")}
        for name, phase in result["phases"].items()
    }
    print(json.dumps(brief, ensure_ascii=False, indent=2))
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

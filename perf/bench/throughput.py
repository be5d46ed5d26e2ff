"""Throughput: gunicorn on loopback, loaded with wrk (or threads), the API against the raw-SQL view."""

from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings

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

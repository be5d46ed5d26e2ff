"""``make run`` on the embedded defaults: web, worker and beat start, work and stop cleanly."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (children, grandchildren...), read from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, stack = set(), [pid]
    while stack:
        for child in parents.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Stack:
    """``make run`` started in its own process group, in a temporary VAR_DIR, on a free port."""

    def __init__(self, var_dir: Path, port: int):
        self.var_dir, self.port = var_dir, port
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "EMAIL_URL", "MAKEFLAGS"}
        }
        self.env = {**env, "VAR_DIR": str(var_dir), "PORT": str(port), "DEBUG": "true"}
        self.log = (var_dir / f"make-run-{time.monotonic_ns()}.log").open("w+")
        self.process = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"VENV={sys.prefix}"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text()

    def wait_healthy(self, timeout: float = 180) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"make run exited early with {self.process.returncode}:\n{self.output()}")
            try:
                status, body = get(f"http://127.0.0.1:{self.port}/healthz", timeout=2)
                if status == 200:
                    return json.loads(body)
            except OSError:
                pass
            time.sleep(0.5)
        pytest.fail(f"/healthz never answered 200:\n{self.output()}")

    def run_python(self, code: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**self.env, "DJANGO_SETTINGS_MODULE": "config.settings"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def stop(self, signum: int, whole_group: bool) -> set[int]:
        started = descendants(self.process.pid) | {self.process.pid}
        if whole_group:  # what a terminal does on Ctrl-C
            os.killpg(self.process.pid, signum)
        else:  # what a service manager does: signal the command only
            self.process.send_signal(signum)
        self.process.wait(timeout=60)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(alive(pid) for pid in started):
            time.sleep(0.2)
        return {pid for pid in started if alive(pid)}


@pytest.mark.slow
def test_make_run_serves_runs_tasks_and_stops_everything(tmp_path):
    port = free_port()
    stack = Stack(tmp_path, port)
    try:
        health = stack.wait_healthy()
        assert health == {"status": "ok", "database": "ok", "broker": "ok"}
        assert get(f"http://127.0.0.1:{port}/admin/login/")[0] == 200
        assert get(f"http://127.0.0.1:{port}/api/docs/")[0] == 200
        assert get(f"http://127.0.0.1:{port}/api/v1/companies/")[0] == 401

        # A task goes through the filesystem:// broker to the real worker and back.
        pong = stack.run_python(
            "import django; django.setup(); from crm.tasks import ping; print(ping.delay().get(timeout=60))"
        )
        assert pong == "pong"
        assert list((tmp_path / "broker").iterdir()) == []  # consumed, nothing left queued
        assert not (ROOT / "control").exists()  # the broker keeps its files under VAR_DIR only

        output = stack.output()
        assert f"http://127.0.0.1:{port}/admin/" in output
        assert f"http://127.0.0.1:{port}/api/v1/" in output
        assert f"http://127.0.0.1:{port}/api/docs/" in output
        assert str(tmp_path / "mail") in output
        password = (tmp_path / "admin-password.txt").read_text().strip()
        assert f"admin / {password}" in output
        assert len(descendants(stack.process.pid)) >= 4  # runlocal, gunicorn, worker, beat
    finally:
        left = stack.stop(signal.SIGTERM, whole_group=False)
    assert left == set(), f"processes left after SIGTERM: {left}"

    # A second run starts cleanly on the same folder, prints the same password, stops on Ctrl-C.
    again = Stack(tmp_path, port)
    try:
        again.wait_healthy()
        assert f"admin / {password}" in again.output()
        status, _ = get(f"http://127.0.0.1:{port}/admin/login/")
        assert status == 200
    finally:
        left = again.stop(signal.SIGINT, whole_group=True)
    assert left == set(), f"processes left after Ctrl-C: {left}"
    assert again.process.returncode is not None

"""The processes under load, started as production starts them, and their memory.

gunicorn gets the Dockerfile's flags (sync workers, ``--timeout 60``, ``--graceful-timeout 30``,
``--worker-tmp-dir /dev/shm``) bound to loopback, ``WEB_CONCURRENCY`` workers (2 × cores + 1 by
default, gunicorn's own advice and the Dockerfile's value for one core); the Celery worker gets
docker-compose.yml's ``--concurrency=2``; beat sends the every-minute reminder sweep. DEBUG is off,
SECRET_KEY random, ALLOWED_HOSTS loopback, throttle counters in Redis (``CACHE_URL``), as in
production.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository
LOAD_PASSWORD = "Load-test-only-7f3c9a"  # the load accounts exist only in a load database
LOAD_PREFIX = "load"


def default_workers() -> int:
    return int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1)


def production_env(database_url: str, redis_url: str, var_dir: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DJANGO_SETTINGS_MODULE", "DEBUG", "EMAIL_URL", "CELERY_RESULT_BACKEND"):
        env.pop(name, None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{port}",
            "SITE_URL": f"http://127.0.0.1:{port}",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": redis_url,
            "CACHE_URL": redis_url,
            "VAR_DIR": str(var_dir),
            # Plain HTTP on loopback (docker-compose.yml does the same for its localhost stack).
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def ensure_accounts(count: int, prefix: str = LOAD_PREFIX) -> list[dict]:
    """``count`` active staff accounts ``<prefix>001``… in the editor role, each with a token.

    Needs Django set up. Idempotent: existing accounts are reused, tokens kept. The password is
    hashed once and the hash shared, so preparing 200 accounts takes a second, not minutes.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    User = get_user_model()
    editor = Group.objects.get(name="editor")
    # Django's default hasher whatever PASSWORD_HASHERS says here (the tests' is MD5, which the
    # server would not know), with a fixed salt so an existing account is recognised by its hash.
    password_hash = PBKDF2PasswordHasher().encode(LOAD_PASSWORD, salt="loadtestaccounts")
    accounts = []
    for i in range(1, count + 1):
        username = f"{prefix}{i:03d}"
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"full_name": f"压测用户{i:03d}", "email": f"{username}@load.invalid", "password": password_hash},
        )
        if not created and user.password != password_hash:
            user.password = password_hash
            user.save(update_fields=["password"])
        user.groups.add(editor)
        token, _ = Token.objects.get_or_create(user=user)
        accounts.append({"username": username, "password": LOAD_PASSWORD, "token": token.key, "user_id": user.pk})
    return accounts


class LoadSetupError(RuntimeError):
    """The load accounts could not be prepared: the message says where and why."""


def accounts_via_subprocess(env: dict[str, str], count: int) -> list[dict]:
    """The ``count`` load accounts, made in the database of ``env`` by a process of its own."""
    import json

    code = (
        "import django, json; django.setup(); from perf.loadtest.stack import ensure_accounts; "
        f"print(json.dumps(ensure_accounts({count})))"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise LoadSetupError(
            f"Could not prepare the load accounts in {without_password(env['DATABASE_URL'])}: {reason}\n"
            "Give the database with DATABASE_URL or --database-url; it must be migrated "
            "(python manage.py migrate) and should hold data (seed_demo, generate_data)."
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def without_password(url: str) -> str:
    """A database URL as it may be printed: its password replaced by ``***``."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at or ":" not in credentials:
        return url
    return f"{scheme}{sep}{credentials.split(':', 1)[0]}:***@{host}"


def clear_throttles(redis_url: str) -> int:
    """Forget the throttle counters in the cache's Redis (DRF keys ``throttle_<scope>_<ident>``).

    A run right after another (an overload, say) would otherwise start with the last minute's
    sign-ins already counted and meet 429s its own pace never causes.
    """
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match="*throttle_*", count=1000))
    return client.delete(*keys) if keys else 0


# Processes and memory ----------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def rss_kib(pid: int) -> int:
    """Resident set size of one process, in KiB (VmRSS of /proc/<pid>/status); 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (/proc/<pid>/stat); 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_backends(database: str) -> list[int]:
    """The PostgreSQL server processes serving ``database`` (their title names it), when local."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if title.startswith("postgres: ") and f" {database} " in title:
                found.append(int(entry.name))
    return found


class Stack:
    """gunicorn (+ Celery worker and beat) on 127.0.0.1:``port``; a context manager."""

    def __init__(self, env: dict[str, str], port: int, workers: int, celery: bool = True, log_dir: Path | None = None):
        self.env, self.port, self.workers, self.celery = env, port, workers, celery
        self.log_dir = log_dir or Path(env["VAR_DIR"])
        self.procs: dict[str, subprocess.Popen] = {}
        self.base_url = f"http://127.0.0.1:{port}"

    def _start(self, name: str, args: list[str]):
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(
            args, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()

    def start(self, timeout: float = 60.0):
        bin_dir = Path(sys.executable).parent
        self._start(
            "gunicorn",
            [
                str(bin_dir / "gunicorn"), "config.wsgi:application",
                "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(self.workers),
                "--worker-tmp-dir", "/dev/shm",
                "--timeout", "60",
                "--graceful-timeout", "30",
            ],
        )  # fmt: skip
        if self.celery:
            celery = str(bin_dir / "celery")
            self._start(
                "worker",
                [celery, "-A", "config", "worker", "--hostname=load@%h", "--loglevel=INFO", "--concurrency=2"],
            )
            self._start("beat", [celery, "-A", "config", "beat", "--loglevel=INFO"])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}; see {self.log_dir / (name + '.log')}")
            if self._healthy() and len(self.web_workers()) >= self.workers and self._celery_ready():
                return self
            time.sleep(0.5)
        raise RuntimeError(f"the stack did not become ready within {timeout:.0f} s (logs in {self.log_dir})")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=5) as response:
                return response.status == 200
        except (OSError, urllib.error.HTTPError):
            return False

    def _celery_ready(self) -> bool:
        # The prefork pool's two children exist once the worker is consuming.
        return not self.celery or len(children(self.procs["worker"].pid)) >= 2

    def web_workers(self) -> list[int]:
        return children(self.procs["gunicorn"].pid) if "gunicorn" in self.procs else []

    def memory(self) -> dict:
        """RSS in KiB: each gunicorn worker, the Celery worker (main process + pool children)."""
        result = {"gunicorn_workers": {str(pid): rss_kib(pid) for pid in self.web_workers()}}
        if "worker" in self.procs:
            main = self.procs["worker"].pid
            result["celery_worker"] = {str(pid): rss_kib(pid) for pid in [main, *children(main)]}
        return result

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far by the gunicorn workers and by PostgreSQL for this database.

        Their difference over a phase divided by its requests is the server's CPU cost of one
        request: a figure the other programs on a shared machine do not distort, unlike latency.
        """
        database = self.env["DATABASE_URL"].rsplit("/", 1)[-1].split("?")[0]
        result = {"gunicorn_workers": round(sum(cpu_seconds(pid) for pid in self.web_workers()), 2)}
        if self.env["DATABASE_URL"].startswith("postgres"):
            result["postgres"] = round(sum(cpu_seconds(pid) for pid in postgres_backends(database)), 2)
        return result

    def alive(self) -> dict[str, bool]:
        return {name: proc.poll() is None for name, proc in self.procs.items()}

    def stop(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(35)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def memory_growth(before: dict, after: dict) -> dict:
    """Per group (gunicorn workers, Celery worker): total RSS before/after and growth in percent.

    A process that is no longer there (a worker gunicorn replaced) makes the comparison void: it
    is reported as ``replaced`` and the growth is not computed.
    """
    result = {}
    for group in before:
        b, a = before[group], after.get(group, {})
        same = set(b) == set(a)
        total_b, total_a = sum(b.values()), sum(a.values())
        per_process = {
            pid: round(100 * (a.get(pid, 0) - kib) / kib, 1) if kib and pid in a else None for pid, kib in b.items()
        }
        result[group] = {
            "before_kib": total_b,
            "after_kib": total_a,
            "growth_pct": round(100 * (total_a - total_b) / total_b, 1) if same and total_b else None,
            "max_process_growth_pct": max((v for v in per_process.values() if v is not None), default=None),
            "replaced": not same,
        }
    return result

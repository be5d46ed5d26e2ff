"""``make run``: migrate, load the demo once, ensure a local admin, then run web, worker and beat.

Everything runs on the embedded defaults unless the environment says otherwise. Ctrl-C or
SIGTERM stops every process this command started, process groups included.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

ADMIN_USERNAME = "admin"
STOP_GRACE_SECONDS = 10


def _die_with_parent():
    """In the child: be sent SIGTERM if this supervisor dies without cleaning up (Linux)."""
    os.setsid()
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


class Command(BaseCommand):
    help = "Run the API, the admin, the Celery worker and beat together for local use (make run)."

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo data.")
        parser.add_argument("--setup-only", action="store_true", help="Prepare everything, start nothing.")

    def handle(self, *args, **options):
        var = settings.VAR_DIR
        folders = (var, settings.CELERY_BROKER_FOLDER, Path(settings.EMAIL_FILE_PATH), settings.MEDIA_ROOT)
        for folder in (*folders, var / "celery-results", var / "broker-processed"):
            Path(folder).mkdir(parents=True, exist_ok=True)
        port = settings.PORT
        if not options["setup_only"] and not port_is_free(port):
            raise CommandError(f"Port {port} is already in use. Stop what uses it, or run with PORT=<another port>.")

        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("数据库已就绪 Database migrated.")
        if not options["no_demo"]:
            self._load_demo_once(var)
        password = self._ensure_admin(var)
        self._print_banner(port, password)
        if options["setup_only"]:
            return
        self._supervise(port)

    def _load_demo_once(self, var: Path):
        marker = var / "demo-loaded"
        if marker.exists() or "seed_demo" not in get_commands():
            return
        call_command("seed_demo", verbosity=0)
        marker.write_text("seed_demo ran; delete this file to load the demo again on the next make run.\n")
        self.stdout.write("演示数据已载入 Demo data loaded (常州经贸代表团赴深圳, 2024-10).")

    def _ensure_admin(self, var: Path) -> str:
        from django.contrib.auth.models import Group

        from crm.models import User

        secret_file = var / "admin-password.txt"
        if secret_file.exists():
            password = secret_file.read_text().strip()
        else:
            password = secrets.token_urlsafe(12)
            secret_file.write_text(password + "\n")
            secret_file.chmod(0o600)
        user = User.objects.filter(username=ADMIN_USERNAME).first()
        if user is None:
            user = User.objects.create_superuser(ADMIN_USERNAME, email="admin@localhost", password=password)
            user.full_name = "本地管理员"
            user.save()
        elif not user.check_password(password):
            user.set_password(password)
            user.save()
        user.groups.add(*Group.objects.filter(name="manager"))
        return password

    def _print_banner(self, port: int, password: str):
        base = f"http://127.0.0.1:{port}"
        lines = [
            "",
            "招商引资 CRM 已启动 / Investment-promotion CRM is running",
            f"  管理后台 Admin     {base}/admin/",
            f"  接口 API           {base}/api/v1/",
            f"  接口文档 API docs  {base}/api/docs/",
            f"  健康检查 Health    {base}/healthz",
            f"  账号 Login         {ADMIN_USERNAME} / {password}",
            f"  邮件 Emails        {settings.EMAIL_FILE_PATH}"
            if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend")
            else f"  邮件 Emails        {settings.EMAIL_BACKEND}",
            "  按 Ctrl-C 停止 Press Ctrl-C to stop.",
            "",
        ]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()

    def _commands(self, port: int) -> dict[str, list[str]]:
        python = sys.executable
        return {
            "web": [
                python, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                "--threads", "4", "--graceful-timeout", "5", "--access-logfile", "-",
            ],
            "worker": [python, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO", "--concurrency", "1"],
            "beat": [
                python, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO",
                "--schedule", str(settings.VAR_DIR / "celerybeat-schedule"),
            ],
        }  # fmt: skip

    def _supervise(self, port: int):
        children: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(signum=None, frame=None):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            for name, command in self._commands(port).items():
                children[name] = subprocess.Popen(command, preexec_fn=_die_with_parent, cwd=settings.BASE_DIR)
            while not stopping:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(f"{name} exited with code {child.returncode}; stopping everything.")
                        stopping = True
                        break
                time.sleep(0.3)
        finally:
            self._stop_all(children)
        failed = [name for name, child in children.items() if child.returncode not in (0, -signal.SIGTERM)]
        self.stdout.write("已停止 Stopped.")
        if failed and not stopping:
            raise CommandError(f"{', '.join(failed)} failed.")

    def _stop_all(self, children: dict[str, subprocess.Popen]):
        for child in children.values():
            _signal_group(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for child in children.values():
            # Whatever is left in the group (a pool process, a late child) is killed outright.
            _signal_group(child.pid, signal.SIGKILL)
            if child.poll() is None:
                child.wait()


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass

"""Loaded by pytest before Django (``-p tests.bootstrap``): the environment the suite runs in.

- Local state of the tests goes to a temporary ``VAR_DIR``, never the developer's ``var/``.
- The Celery broker is a real Redis: ``TEST_REDIS_URL`` if given, else a Redis answering on
  127.0.0.1:6379 (database 15), else a private ``redis-server`` started here for the session.
  With none of these, the Redis tests fail and say how to get one.
- ``DATABASE_URL`` is left as the caller set it: PostgreSQL in CI, the SQLite default otherwise.
"""

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import time


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _start_private_redis() -> str | None:
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    port = _free_port()
    folder = tempfile.mkdtemp(prefix="crm-test-redis-")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    atexit.register(process.terminate)
    for _ in range(100):
        if _redis_answers("127.0.0.1", port):
            return f"redis://127.0.0.1:{port}/0"
        time.sleep(0.05)
    return None


def _test_redis_url() -> str:
    if os.environ.get("TEST_REDIS_URL"):
        return os.environ["TEST_REDIS_URL"]
    if _redis_answers("127.0.0.1", 6379):
        return "redis://127.0.0.1:6379/15"
    return _start_private_redis() or ""


_var = tempfile.mkdtemp(prefix="crm-test-var-")
atexit.register(shutil.rmtree, _var, True)
os.environ["VAR_DIR"] = _var
os.environ.setdefault("DEBUG", "true")
os.environ.pop("EMAIL_URL", None)
REDIS_URL = _test_redis_url()
os.environ["TEST_REDIS_URL"] = REDIS_URL
if REDIS_URL:
    os.environ["CELERY_BROKER_URL"] = REDIS_URL
    os.environ["CELERY_RESULT_BACKEND"] = REDIS_URL

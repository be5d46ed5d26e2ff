"""The reports at a second, smaller scale: the small database and the run of the reports on it.

``make bench`` measures every report on the database DATABASE_URL names (scale 100) and on a
small one (scale 10): by default the same server and name with ``_scale10`` appended;
``--small-database-url`` or BENCH_SMALL_DATABASE_URL name another. The small database is created
when it is missing, migrated, and filled with ``generate_data --scale 10`` when it is empty.

The reports are measured there by a process of their own, ``python -m perf.bench --reports-only``
with DATABASE_URL naming the small database: the same code, settings and connection as on the
large one, only the data differs. It writes its results as JSON, which the large run's tables read.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from perf.loadtest.stack import without_password

from .run import ReportResult

SMALL_SCALE = 10


def small_database_url(url: str, scale: int = SMALL_SCALE) -> str:
    """``url`` with ``_scale{scale}`` appended to its database's name (same server, same options)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_scale{scale}"))


def create_database(url: str) -> bool:
    """Create the PostgreSQL database ``url`` names when it is missing; True when it was created.

    Through the server's ``postgres`` database, as ``createdb`` does."""
    import psycopg
    from environ import Env
    from psycopg import sql

    config = Env.db_url_config(url)
    with psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    ) as server:
        if server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone():
            return False
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
    return True


def measure_small(url: str, *, scale: int, rounds: int, log=print) -> dict:
    """The reports measured on the database ``url`` names by ``python -m perf.bench --reports-only``
    (created, migrated and generated at ``scale`` first when need be): ``{"scale": counts,
    "reports": [ReportResult], "failures": [...]}``."""
    if create_database(url):
        log(f"  created {without_password(url)}")
    with tempfile.TemporaryDirectory() as directory:
        output = Path(directory) / "reports.json"
        command = [
            *(sys.executable, "-m", "perf.bench", "--reports-only", "--migrate"),
            *("--scale", str(scale), "--rounds", str(rounds), "--json", str(output)),
        ]
        done = subprocess.run(command, env={**os.environ, "DATABASE_URL": url}, cwd=settings.BASE_DIR, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"the run on {without_password(url)} exited with {done.returncode} (its output above)")
        found = json.loads(output.read_text(encoding="utf-8"))
    found["reports"] = [ReportResult(**result) for result in found["reports"]]
    return found

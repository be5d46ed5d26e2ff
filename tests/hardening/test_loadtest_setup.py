"""``python -m perf.loadtest`` finds the database the project uses and says why it cannot load it."""

import subprocess
import sys
from pathlib import Path

import pytest

from perf.loadtest import __main__ as loadtest
from perf.loadtest.stack import LoadSetupError, accounts_via_subprocess, production_env, without_password

ROOT = Path(__file__).resolve().parents[2]


def test_it_loads_the_database_the_project_uses_unless_told_another(monkeypatch):
    monkeypatch.delenv("LOAD_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://crm@127.0.0.1:5432/crm_bench")
    assert loadtest.default_database_url() == "postgres://crm@127.0.0.1:5432/crm_bench"
    monkeypatch.setenv("LOAD_DATABASE_URL", "postgres://crm@127.0.0.1:5432/crm_h_load")
    assert loadtest.default_database_url() == "postgres://crm@127.0.0.1:5432/crm_h_load"
    monkeypatch.delenv("LOAD_DATABASE_URL")
    monkeypatch.delenv("DATABASE_URL")
    assert loadtest.default_database_url().endswith("/crm_h_load")


def test_a_database_it_cannot_prepare_is_named_with_the_reason(tmp_path):
    unmigrated = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    env = production_env(unmigrated, "redis://127.0.0.1:6379/9", tmp_path, 18799)
    with pytest.raises(LoadSetupError) as refused:
        accounts_via_subprocess(env, 1)
    message = str(refused.value)
    assert unmigrated in message and "no such table" in message  # the database's own reason
    assert "python manage.py migrate" in message
    # And the command says it on stderr with exit status 2, not with a traceback.
    done = subprocess.run(
        [sys.executable, "-m", "perf.loadtest", "--profile", "short", "--database-url", unmigrated, "--var-dir",
         str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Could not prepare the load accounts" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("url", "printed"),
    [
        ("postgres://crm:pw@db:5432/crm", "postgres://crm:***@db:5432/crm"),
        ("postgres://crm@db/crm", "postgres://crm@db/crm"),
        ("sqlite:////tmp/x.sqlite3", "sqlite:////tmp/x.sqlite3"),
    ],
)
def test_a_database_url_is_printed_without_its_password(url, printed):
    assert without_password(url) == printed

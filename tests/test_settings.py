"""The production guard: with DEBUG off, settings refuse to start without what they need."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "k3y-" + "x7Qp9LmZ2vB8nR4tW6yC1dF5gH0jK3sA" * 2


def load_settings(show: str = "DEBUG", **env) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with exactly this environment; print ``show``."""
    unset = {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DB_PREPARED_STATEMENTS"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    clean.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django; django.setup(); from django.conf import settings; print(settings.{show})",
        ],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = load_settings(DEBUG="false", ALLOWED_HOSTS="crm.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "set the SECRET_KEY environment variable" in result.stderr


@pytest.mark.parametrize(
    "weak_key",
    ["short-key", "django-insecure-" + "a1b2c3d4e5" * 6, "a" * 80],
    ids=["too-short", "insecure-prefix", "too-few-distinct-characters"],
)
def test_it_refuses_a_weak_secret_key_when_debug_is_off(weak_key):
    result = load_settings(DEBUG="false", SECRET_KEY=weak_key, ALLOWED_HOSTS="crm.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


def test_it_refuses_to_start_with_empty_allowed_hosts_when_debug_is_off():
    result = load_settings(DEBUG="false", SECRET_KEY=STRONG_KEY)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is empty" in result.stderr
    assert "set the ALLOWED_HOSTS environment variable" in result.stderr


def test_it_starts_with_debug_off_when_everything_is_set():
    result = load_settings(DEBUG="false", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="crm.example.org")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_it_starts_for_local_use_with_no_variables_at_all():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_the_deploy_checks_pass_with_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}}
    env.update(DEBUG="false", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="crm.example.org", VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_reads_language_and_time_zone_as_the_bureau_needs(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert "django.middleware.locale.LocaleMiddleware" in settings.MIDDLEWARE


def test_the_cache_is_shared_through_redis_when_cache_url_says_so():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings;"
         "print(settings.CACHES['default']['BACKEND'])"],
        cwd=ROOT,
        env={**os.environ, "CACHE_URL": "redis://127.0.0.1:6379/1", "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "redis" in result.stdout.lower()


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "True 5"), ("false", "None None"), ("true", "True 5")],
)
def test_prepared_statements_are_on_unless_turned_off(value, expected):
    """DB_PREPARED_STATEMENTS: Django's and psycopg's own options (server-side binding, prepared
    at the fifth run); off behind a pooler that cannot keep them."""
    options = "DATABASES['default']['OPTIONS']"
    result = load_settings(
        f"{options}.get('server_side_binding'), settings.{options}.get('prepare_threshold')",
        DATABASE_URL="postgres://crm@127.0.0.1:5432/crm",
        **({} if value is None else {"DB_PREPARED_STATEMENTS": value}),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


@pytest.mark.django_db
def test_postgresql_sessions_sort_in_memory_and_compile_nothing():
    """The reports group and sort tens of thousands of rows: each PostgreSQL session gets
    DB_WORK_MEM (32 MB) for a sort or hash, and no JIT (its compiling cost more than the reports'
    milliseconds). SQLite has neither setting."""
    from django.db import connection

    if connection.vendor != "postgresql":
        assert connection.vendor == "sqlite"
        assert "options" not in connection.settings_dict["OPTIONS"]
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] == "32MB"
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_the_work_mem_of_postgresql_sessions_is_a_setting():
    result = load_settings(
        "DATABASES['default']['OPTIONS']['options']",
        DATABASE_URL="postgres://crm@127.0.0.1:5432/crm",
        DB_WORK_MEM="64MB",
    )
    assert result.returncode == 0, result.stderr
    assert "-c work_mem=64MB -c jit=off" in result.stdout.strip().splitlines()[-1]

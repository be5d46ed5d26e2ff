"""Prepared statements and datetimes loaded in C for the statements every request sends (crm/db.py).

On PostgreSQL: the token lookup, a plain list page and the many-to-many ids are prepared once per
connection; a filtered page is not; the query log still shows the values; and what the cursors
read is what Django's cursors read. On SQLite the block changes nothing.
"""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from crm.api.authentication import token_with_user
from crm.db import fast_cursors
from crm.models import Milestone
from tests.factories import MilestoneFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db
POSTGRESQL = connection.vendor == "postgresql"
ROOT = Path(__file__).resolve().parents[2]


def executions(text: str) -> int:
    """How often the prepared statements whose text holds ``text`` ran (PostgreSQL 14+ counts plans)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(generic_plans + custom_plans), 0) FROM pg_prepared_statements "
            "WHERE strpos(statement, %s) > 0",
            [text],
        )
        return cursor.fetchone()[0]


def test_the_token_lookup_is_prepared_once_per_connection():
    token = Token.objects.create(user=UserFactory(role="editor"))
    before = executions('FROM "authtoken_token"') if POSTGRESQL else 0
    for _ in range(3):
        assert token_with_user(token.key).user.roles == frozenset({"editor"})
    assert token_with_user("0" * 40) is None
    if POSTGRESQL:
        assert executions('FROM "authtoken_token"') == before + 4
    else:
        with fast_cursors(connection.alias), connection.cursor() as cursor:
            assert type(cursor.cursor).__module__.startswith("django.db.backends.sqlite3")


def test_a_plain_page_is_prepared_and_a_filtered_one_is_not(api):
    project = ProjectFactory()
    MilestoneFactory.create_batch(3, project=project, title="节点")
    page = 'FROM "crm_milestone" U0 ORDER BY U0."due_on" ASC, U0."id" ASC LIMIT 3)'
    before = executions(page) if POSTGRESQL else 0
    for _ in range(2):
        assert api.get(reverse("milestone-list"), {"page_size": 2}).json()["count"] == 3
        assert api.get(reverse("milestone-list"), {"search": "节点"}).json()["count"] == 3
    if POSTGRESQL:
        assert executions(page) == before + 2
        assert executions("search_text") == 0


def test_the_query_log_shows_the_values_of_a_prepared_statement():
    token = Token.objects.create(user=UserFactory())
    with CaptureQueriesContext(connection) as queries:
        token_with_user(token.key)
    assert len(queries) == 1
    logged = queries.captured_queries[0]["sql"]
    assert f"'{token.key}'" in logged and "$1" not in logged and "%s" not in logged


def test_what_the_cursors_read_is_what_djangos_read():
    """Datetimes (microseconds, the first instant of a year, long ago), dates and the rest."""
    project = ProjectFactory()
    stamps = [
        dt.datetime(2024, 10, 15, 2, 30, 0, 123456, tzinfo=dt.UTC),
        dt.datetime(2025, 1, 1, 0, 0, tzinfo=dt.UTC),
        dt.datetime(1900, 3, 1, 12, 0, 1, tzinfo=dt.UTC),
    ]
    for stamp in stamps:
        milestone = MilestoneFactory(project=project)
        Milestone.objects.filter(pk=milestone.pk).update(created_at=stamp, updated_at=stamp)
    columns = ("id", "title", "due_on", "done_on", "created_at", "updated_at", "project__name")
    plain = list(Milestone.objects.order_by("id").values_list(*columns))
    for prepare in (True, False):
        with fast_cursors(connection.alias, prepare=prepare):
            fast = list(Milestone.objects.order_by("id").values_list(*columns))
        assert fast == plain
        assert [row[4].utcoffset() for row in fast] == [dt.timedelta(0)] * len(fast)
    assert sorted(row[4] for row in plain) == sorted(stamps)


def test_turned_off_nothing_is_prepared():
    """DB_PREPARED_STATEMENTS=false leaves the connection's prepare_threshold None (psycopg then
    prepares nothing, whatever a cursor asks)."""
    token = Token.objects.create(user=UserFactory())
    if not POSTGRESQL:
        assert token_with_user(token.key) is not None
        return
    connection.ensure_connection()
    raw = connection.connection
    token_with_user(token.key)
    before = executions('FROM "authtoken_token"')
    saved, raw.prepare_threshold = raw.prepare_threshold, None
    try:
        assert token_with_user(token.key) is not None
        assert executions('FROM "authtoken_token"') == before
    finally:
        raw.prepare_threshold = saved
    token_with_user(token.key)
    assert executions('FROM "authtoken_token"') == before + 1


@pytest.mark.parametrize(("value", "threshold"), [("", "5"), ("false", "None"), ("true", "5")])
def test_the_setting_that_turns_preparing_off(value, threshold):
    env = {key: val for key, val in os.environ.items() if key != "DB_PREPARED_STATEMENTS"}
    if value:
        env["DB_PREPARED_STATEMENTS"] = value
    env["DATABASE_URL"] = "postgres://crm@127.0.0.1:5432/crm"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DATABASES['default']['OPTIONS']['prepare_threshold'])",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == threshold

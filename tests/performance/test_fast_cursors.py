"""Prepared statements and datetimes loaded in C for the statements every request sends (crm/db.py).

On PostgreSQL: the token lookup and the many-to-many ids are prepared at once, a manager's plain
list page at its fifth run; a filtered page and an editor's page are not; the query log still
shows the values; the cursors read what Django's cursors read. On SQLite the block changes nothing.
"""

import datetime as dt

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
TOKEN_LOOKUP = 'FROM "authtoken_token"'


def prepared(*texts: str) -> tuple[int, int]:
    """How many prepared statements hold all of ``texts``, and how often they ran prepared."""
    condition = " AND ".join(["strpos(statement, %s) > 0"] * len(texts))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*), COALESCE(SUM(generic_plans + custom_plans), 0) "
            f"FROM pg_prepared_statements WHERE {condition}",
            list(texts),
        )
        return tuple(cursor.fetchone())


def test_the_token_lookup_is_prepared_once_per_connection():
    token = Token.objects.create(user=UserFactory(role="editor"))
    token_with_user(token.key)
    before = prepared(TOKEN_LOOKUP) if POSTGRESQL else (1, 0)
    for _ in range(3):
        assert token_with_user(token.key).user.roles == frozenset({"editor"})
    assert token_with_user("0" * 40) is None
    if POSTGRESQL:
        assert prepared(TOKEN_LOOKUP) == (1, before[1] + 4)  # one statement, run four more times
    else:
        with fast_cursors(connection.alias), connection.cursor() as cursor:
            assert type(cursor.cursor).__module__.startswith("django.db.backends.sqlite3")


def test_a_managers_plain_page_is_prepared_at_its_fifth_run_and_no_other(api, editor_api):
    project = ProjectFactory()
    MilestoneFactory.create_batch(4, project=project, title="节点")
    plain = {"page_size": 3, "ordering": "-title"}
    for _ in range(7):
        assert api.get(reverse("milestone-list"), plain).json()["count"] == 4
        assert api.get(reverse("milestone-list"), {**plain, "search": "节点"}).json()["count"] == 4
        assert editor_api.get(reverse("milestone-list"), plain).status_code == 200
    if POSTGRESQL:
        # Runs 1–5 unprepared, the 6th prepares it, the 6th and 7th run it prepared.
        page = ('FROM "crm_milestone"', "LIMIT 4)")
        assert prepared(*page) == (1, 2)
        assert prepared("search_text") == (0, 0)


def test_the_query_log_shows_the_values_of_a_prepared_statement():
    token = Token.objects.create(user=UserFactory())
    with CaptureQueriesContext(connection) as queries:
        token_with_user(token.key)
    assert len(queries) == 1
    logged = queries.captured_queries[0]["sql"]
    assert f"'{token.key}'" in logged and "$1" not in logged and "%s" not in logged


def test_datetimes_are_loaded_by_psycopgs_loader_and_read_as_djangos():
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
    assert sorted(row[4] for row in plain) == sorted(stamps)
    for prepare in (True, None, False):
        with fast_cursors(connection.alias, prepare=prepare):
            fast = list(Milestone.objects.order_by("id").values_list(*columns))
            if POSTGRESQL:
                from django.db.backends.postgresql.psycopg_any import BaseTzLoader
                from psycopg.pq import Format

                with connection.cursor() as cursor:
                    oid = cursor.cursor.adapters.types["timestamptz"].oid
                    loader = cursor.cursor.adapters.get_loader(oid, Format.TEXT)
                assert not issubclass(loader, BaseTzLoader), loader  # not Django's Python one
        assert fast == plain
        assert [row[4].utcoffset() for row in fast] == [dt.timedelta(0)] * len(fast)


def test_turned_off_nothing_is_prepared(settings):
    """DB_PREPARED_STATEMENTS=false: Django's binding, nothing prepared, datetimes still in C."""
    token = Token.objects.create(user=UserFactory())
    token_with_user(token.key)
    before = prepared(TOKEN_LOOKUP) if POSTGRESQL else None
    settings.DB_PREPARED_STATEMENTS = False
    assert token_with_user(token.key) is not None
    if POSTGRESQL:
        assert prepared(TOKEN_LOOKUP) == before
        with fast_cursors(connection.alias, prepare=True), connection.cursor() as cursor:
            assert type(cursor.cursor).__name__ == "ReadingCursor"
    settings.DB_PREPARED_STATEMENTS = True
    token_with_user(token.key)
    if POSTGRESQL:
        assert prepared(TOKEN_LOOKUP) == (1, before[1] + 1)


@pytest.mark.django_db(transaction=True)
def test_a_statement_prepared_before_a_columns_type_changed_is_run_again():
    """A migration that changes a column's type makes PostgreSQL refuse a statement prepared
    before it ("cached plan must not change result type"): it is dropped and run again."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE crm_test_retyped (v integer)")
        cursor.execute("INSERT INTO crm_test_retyped VALUES (7)")
    try:
        with fast_cursors(connection.alias, prepare=True), connection.cursor() as cursor:
            cursor.execute("SELECT v FROM crm_test_retyped")
            assert cursor.fetchall() == [(7,)]
        if POSTGRESQL:
            import psycopg

            settings = connection.settings_dict
            with psycopg.connect(
                dbname=settings["NAME"], user=settings["USER"] or None, host=settings["HOST"] or None,
                port=settings["PORT"] or None, password=settings["PASSWORD"] or None, autocommit=True,
            ) as other:  # fmt: skip
                other.execute("ALTER TABLE crm_test_retyped ALTER COLUMN v TYPE text")
        with fast_cursors(connection.alias, prepare=True), connection.cursor() as cursor:
            cursor.execute("SELECT v FROM crm_test_retyped")
            assert cursor.fetchall() == [("7",) if POSTGRESQL else (7,)]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE crm_test_retyped")

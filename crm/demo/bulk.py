"""Bulk writes for the synthetic data (crm/demo/synthetic.py): COPY on PostgreSQL, batched inserts
elsewhere; ids assigned by the writer, indexes built after the load, sequences moved past the ids."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection
from django.db.models import Max


class Writer:
    """Appends rows with explicit ids; COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self):
        self.postgres = connection.vendor == "postgresql"
        self.counts: dict[str, int] = {}

    def next_id(self, model) -> int:
        return (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1

    def write(self, table: str, columns: list[str], rows) -> int:
        count = 0
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            else:
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
                batch = []
                for row in rows:
                    batch.append(row)
                    if len(batch) == 5000:
                        cursor.executemany(sql, batch)
                        count += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    count += len(batch)
        self.counts[table] = self.counts.get(table, 0) + count
        return count

    @contextmanager
    def indexes_built_after(self, models):
        """Drop the plain (non-unique, non-constraint) indexes of ``models``' tables, create them again
        at the end: one sorted build per index instead of a million insertions into each.

        Everything runs in the command's transaction, so an interrupted load leaves the indexes
        as they were; the tables are locked for the load's duration.
        """
        if not self.postgres:
            yield
            return
        tables = [model._meta.db_table for model in models]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                [tables],
            )
            deferred = cursor.fetchall()
            for name, _definition in deferred:
                cursor.execute(f"DROP INDEX {name}")
        yield
        with connection.cursor() as cursor:
            # The deferred foreign-key checks run now (they would at COMMIT): an index cannot be
            # built on a table with checks pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _name, definition in deferred:
                cursor.execute(definition)

    def reset_sequences(self, models) -> None:
        if not self.postgres:
            return
        from django.core.management.color import no_style

        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)

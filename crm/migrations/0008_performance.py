"""Indexes for the performance work (issue 7, docs/performance.md).

* One index per list on the list's order (``ORDER BY x, id``): a page's ids are read from it
  with OFFSET, without touching the rows skipped (crm/api/lists/pagination.py).
* ``crm_count_estimate(query)`` (PostgreSQL): the planner's row estimate of a query, the
  ``count`` of a filtered list above 10,000 rows.
* The reminder table is a queue (rows go pending → sending → sent): it is vacuumed after 2% of
  its rows changed instead of 20%, so the partial index of the sweep's claim (``reminder_due_idx``)
  does not fill with the dead entries of sent rows (PostgreSQL).
"""

from django.db import migrations, models

ESTIMATE = """
CREATE OR REPLACE FUNCTION crm_count_estimate(query text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    plan json;
BEGIN
    -- EXPLAIN without ANALYZE: the query is planned, never run.
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
    RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END
$$;
"""


QUEUE_VACUUM = (
    "ALTER TABLE crm_reminder SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 200, "
    "autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 200)"
)
QUEUE_VACUUM_RESET = (
    "ALTER TABLE crm_reminder RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, "
    "autovacuum_analyze_scale_factor, autovacuum_analyze_threshold)"
)


def create_postgresql_parts(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ESTIMATE)
        schema_editor.execute(QUEUE_VACUUM)


def drop_postgresql_parts(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS crm_count_estimate(text)")
        schema_editor.execute(QUEUE_VACUUM_RESET)


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0007_attachments"),
    ]

    operations = [
        migrations.RunPython(create_postgresql_parts, drop_postgresql_parts, elidable=False),
        migrations.AddIndex(
            model_name="agreement",
            index=models.Index(fields=["signed_on", "id"], name="agreement_list_idx"),
        ),
        migrations.AddIndex(
            model_name="capitalarrival",
            index=models.Index(fields=["arrived_on", "id"], name="arrival_list_idx"),
        ),
        migrations.AddIndex(
            model_name="company",
            index=models.Index(fields=["name", "id"], name="company_list_idx"),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(fields=["name", "id"], name="contact_list_idx"),
        ),
        migrations.AddIndex(
            model_name="meeting",
            index=models.Index(fields=["starts_at", "id"], name="meeting_list_idx"),
        ),
        migrations.AddIndex(
            model_name="milestone",
            index=models.Index(fields=["due_on", "id"], name="milestone_list_idx"),
        ),
        migrations.AddIndex(
            model_name="partnerrequest",
            index=models.Index(fields=["raised_on", "id"], name="request_list_idx"),
        ),
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(fields=["scheduled_for", "id"], name="reminder_list_idx"),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(fields=["due_on", "id"], name="task_list_idx"),
        ),
        migrations.AddIndex(
            model_name="trip",
            index=models.Index(fields=["start_date", "id"], name="trip_list_idx"),
        ),
    ]

from django.db import migrations, models


def fill_stays(apps, schema_editor):
    """Each recorded move's stay: the days until the project's next move (none for its last)."""
    Change = apps.get_model("crm", "ProjectStageChange")
    rows = Change.objects.order_by("project_id", "changed_on", "changed_at", "id").values_list(
        "id", "project_id", "changed_on"
    )
    batch, previous = [], None
    for pk, project_id, changed_on in rows.iterator(chunk_size=5000):
        if previous is not None and previous[1] == project_id:
            batch.append(Change(pk=previous[0], stay_days=(changed_on - previous[2]).days))
        previous = (pk, project_id, changed_on)
        if len(batch) >= 5000:
            Change.objects.bulk_update(batch, ["stay_days"])
            batch = []
    Change.objects.bulk_update(batch, ["stay_days"])


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0009_constraint_messages_and_company_validators"),
    ]

    operations = [
        migrations.AddField(
            model_name="projectstagechange",
            name="stay_days",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True, verbose_name="停留天数"),
        ),
        migrations.RunPython(fill_stays, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="projectstagechange",
            index=models.Index(
                condition=models.Q(("stay_days__isnull", False)),
                fields=["to_stage", "stay_days"],
                include=("project",),
                name="stage_change_stay_idx",
            ),
        ),
    ]

"""Webhooks, chat robots and the event outbox (issue 11)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0005_reminder_incremental_plan"),
    ]

    operations = []

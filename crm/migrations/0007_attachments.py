"""Attachments and their history (issue 10)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0006_webhooks"),
    ]

    operations = []

"""The Celery application: configured from Django settings (``CELERY_*``)."""

import os
from datetime import timedelta

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Any number of beats may run; only the one holding the database lease sends (crm/beat.py).
app.conf.beat_scheduler = "crm.beat:LeaderScheduler"

# An interval, not a crontab: it counts in UTC seconds and cannot be shifted by a DST change.
app.conf.beat_schedule = {
    "sweep-reminders": {
        "task": "crm.tasks.sweep_reminders",
        "schedule": timedelta(minutes=1),
        # A sweep still queued after a minute is superseded by the next one.
        "options": {"expires": 55},
    },
    "deliver-webhooks": {
        "task": "crm.tasks.deliver_webhooks",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 55},
    },
}


@app.on_after_configure.connect
def _create_broker_folder(sender, **kwargs):
    """The filesystem transport needs its folders to exist before the first message."""
    from django.conf import settings

    if str(sender.conf.result_backend or "").startswith("file://"):
        os.makedirs(sender.conf.result_backend[len("file://") :], exist_ok=True)
    if str(sender.conf.broker_url).startswith("filesystem://"):
        settings.CELERY_BROKER_FOLDER.mkdir(parents=True, exist_ok=True)
        for key in ("processed_folder", "control_folder"):
            folder = sender.conf.broker_transport_options.get(key)
            if folder:
                os.makedirs(folder, exist_ok=True)

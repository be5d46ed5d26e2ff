"""The project's Celery app with a fast schedule, for the tests that run real ``celery beat``s.

``celery -A tests.deployment.beat_app beat``: every half second it sends a probe carrying the
beat's name (``BEAT_NAME``) to the queue ``BEAT_PROBE_QUEUE``, which no worker consumes, so the
test can read from Redis which beat sent what.
"""

import os

from config.celery import app

app.conf.beat_schedule = {
    "probe": {
        "task": "tests.deployment.beat_probe",
        "schedule": 0.5,
        "args": [os.environ.get("BEAT_NAME", "?")],
        "options": {"queue": os.environ.get("BEAT_PROBE_QUEUE", "beat-probe")},
    },
}

"""Celery tasks: thin wrappers that take ids and call the code that does the work."""

from celery import shared_task

from .reminders import sweep
from .webhooks.delivery import deliver_due


@shared_task(ignore_result=False)
def ping() -> str:
    """Answer ``pong``: proves a worker consumes from the broker (used by the smoke tests)."""
    return "pong"


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=240, soft_time_limit=200)
def sweep_reminders() -> dict:
    """One reminder sweep (the same code as ``manage.py send_reminders``)."""
    return sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=240, soft_time_limit=200)
def deliver_webhooks() -> dict:
    """Send the webhook deliveries that are due (queued after each event, and every minute by beat)."""
    return deliver_due()

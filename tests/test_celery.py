"""Celery on the real Redis broker with a real worker."""

import pytest
import redis

from config.celery import app
from crm.tasks import ping


@pytest.mark.redis
def test_a_task_sent_to_redis_is_executed_by_the_worker(celery_worker, redis_url):
    assert app.conf.broker_url.startswith("redis://")
    assert redis.Redis.from_url(redis_url).ping()
    result = ping.delay()
    assert result.get(timeout=20) == "pong"
    assert result.successful()


@pytest.mark.redis
def test_the_worker_runs_many_tasks_each_once(celery_worker):
    results = [ping.delay() for _ in range(20)]
    assert [r.get(timeout=30) for r in results] == ["pong"] * 20


def test_tasks_are_acknowledged_late_and_rejected_when_the_worker_is_lost():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_time_limit and app.conf.task_soft_time_limit


def test_the_sweep_is_scheduled_every_minute_on_an_interval_not_a_crontab():
    entry = app.conf.beat_schedule["sweep-reminders"]
    assert entry["task"] == "crm.tasks.sweep_reminders"
    assert entry["schedule"].total_seconds() == 60
    assert app.conf.timezone == "UTC"

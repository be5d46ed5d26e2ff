"""One beat in the cluster: two real ``celery beat`` processes, one real Redis, one database lease."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import redis
from django.db import close_old_connections

from crm.beat import LEASE_NAME, acquire_lease, release_lease
from crm.models import BeatLease
from tests.reminders.helpers import database_url

ROOT = Path(__file__).resolve().parents[2]


def senders(client, queue) -> list[str]:
    """The beat name carried by every probe message waiting in ``queue``, oldest first."""
    names = []
    for raw in reversed(client.lrange(queue, 0, -1)):
        headers = json.loads(raw)["headers"]
        names.append(headers["argsrepr"].strip("[]()',\" "))
    return names


def start_beat(name, queue, redis_url, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "BEAT_NAME": name,
        "BEAT_PROBE_QUEUE": queue,
        "BEAT_LOCK_TTL_SECONDS": "3",
        "BEAT_LOCK_RENEW_SECONDS": "1",
        "VAR_DIR": str(tmp_path / name),
    }
    log = (tmp_path / f"{name}.log").open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tests.deployment.beat_app", "beat", "--loglevel", "INFO",
         "-s", str(tmp_path / f"{name}-schedule")],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def wait_for(condition, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        close_old_connections()
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} not reached within {timeout} s")


def stop(process, sig=signal.SIGTERM):
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_beats_send_the_schedule_once_and_the_standby_takes_over_from_a_dead_leader(redis_url, tmp_path):
    client = redis.Redis.from_url(redis_url)
    queue = f"beat-probe-{uuid.uuid4().hex[:8]}"
    beats = {name: start_beat(name, queue, redis_url, tmp_path) for name in ("beat-a", "beat-b")}
    try:
        wait_for(lambda: len(senders(client, queue)) >= 10, what="ten probes sent")
        time.sleep(3)  # both beats are up and ticking by now: the standby has had time to misbehave
        first = Counter(senders(client, queue))
        assert len(first) == 1, (first, (tmp_path / "beat-a.log").read_text(), (tmp_path / "beat-b.log").read_text())
        [leader] = first
        standby = "beat-b" if leader == "beat-a" else "beat-a"
        assert BeatLease.objects.get(name=LEASE_NAME).holder.split(":")[1] == str(beats[leader].pid)
        standby_log = (tmp_path / f"{standby}.log").read_text()
        assert "does not hold it; standing by" in standby_log
        assert "Sending due task" not in standby_log
        assert "holds it and sends the schedule" in (tmp_path / f"{leader}.log").read_text()

        # The leader dies without a word (kill -9): the standby takes over once the lease runs out.
        stop(beats[leader], signal.SIGKILL)
        killed_at = time.monotonic()
        sent_before = len(senders(client, queue))
        wait_for(lambda: standby in senders(client, queue), timeout=20, what="the standby sending")
        took = time.monotonic() - killed_at
        print(f"the standby sent {took:.1f} s after the leader was killed")
        names = senders(client, queue)
        assert set(names[:sent_before]) == {leader}
        assert set(names[sent_before:]) == {standby}
        assert took < 3 + 1 + 5  # lease, one renewal period, and the slack of a busy machine
        assert BeatLease.objects.get(name=LEASE_NAME).holder.split(":")[1] == str(beats[standby].pid)

        # A clean stop gives the lease up at once.
        stop(beats[standby])
        assert "gave it up" in (tmp_path / f"{standby}.log").read_text()
        assert acquire_lease("someone-else", 60)
    finally:
        for process in beats.values():
            stop(process, signal.SIGKILL)
        client.delete(queue)


@pytest.mark.django_db(transaction=True)
def test_the_lease_is_held_by_one_holder_renewed_by_it_and_free_after_release_or_expiry():
    assert acquire_lease("a", 60)
    assert not acquire_lease("b", 60)
    assert acquire_lease("a", 60)  # a renewal
    release_lease("b")  # not the holder: nothing happens
    assert not acquire_lease("b", 60)
    release_lease("a")
    time.sleep(0.01)
    assert acquire_lease("b", 60)
    # A lease that ran out (ttl 0) is taken over by the next one who asks.
    assert acquire_lease("c", 60, name="other") and BeatLease.objects.filter(name="other").update(
        expires_at=BeatLease.objects.get(name="other").acquired_at
    )
    time.sleep(0.01)
    assert acquire_lease("d", 60, name="other")
    assert BeatLease.objects.get(name="other").holder == "d"

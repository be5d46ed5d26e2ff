"""Exactly one Celery beat in the cluster, by a lease in the database, not by hope.

Every machine may run ``celery beat``; each one's scheduler is :class:`LeaderScheduler`. Before it
sends anything, a beat takes or renews the lease row ``celery-beat`` (``crm.models.BeatLease``)
with one conditional UPDATE judged by the database's clock: renewed when it holds the lease,
taken over when the holder let it run out, else refused. A beat without the lease sends nothing
and asks again every ``BEAT_LOCK_RENEW_SECONDS``; a leader that cannot renew within
``BEAT_LOCK_TTL_SECONDS`` (dead, cut off, stuck) loses it to a standby. A leader that stops
cleanly gives the lease up at once.

A leader stalled past the lease could still send one round late, beside its successor: the
jobs themselves must (and do) tolerate that; the reminder sweep claims each email atomically.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from datetime import timedelta

from celery.beat import PersistentScheduler

logger = logging.getLogger(__name__)

LEASE_NAME = "celery-beat"


def _expires_in(seconds: int):
    from django.db.models import DateTimeField, ExpressionWrapper
    from django.db.models.functions import Now

    return ExpressionWrapper(Now() + timedelta(seconds=seconds), output_field=DateTimeField())


def acquire_lease(holder: str, ttl: int, name: str = LEASE_NAME) -> bool:
    """Take or renew the lease for ``ttl`` seconds; True when ``holder`` holds it now."""
    from django.db import IntegrityError, transaction
    from django.db.models.functions import Now

    from .models import BeatLease

    leases = BeatLease.objects.filter(name=name)
    if leases.filter(holder=holder, expires_at__gte=Now()).update(expires_at=_expires_in(ttl)):
        return True
    if leases.filter(expires_at__lt=Now()).update(holder=holder, expires_at=_expires_in(ttl), acquired_at=Now()):
        return True
    if leases.exists():
        return False
    try:
        with transaction.atomic():
            BeatLease.objects.create(name=name, holder=holder, expires_at=_expires_in(ttl), acquired_at=Now())
    except IntegrityError:
        return False  # another beat created it first
    return True


def release_lease(holder: str, name: str = LEASE_NAME) -> None:
    """Give the lease up now (if held), so that a standby beat takes over without waiting."""
    from django.db.models.functions import Now

    from .models import BeatLease

    BeatLease.objects.filter(name=name, holder=holder).update(expires_at=Now())


class LeaderScheduler(PersistentScheduler):
    """A beat scheduler that sends due tasks only while this beat holds the cluster's lease."""

    def __init__(self, *args, **kwargs):
        import django
        from django.apps import apps

        if not apps.ready:
            django.setup()
        from django.conf import settings

        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease_ttl = settings.BEAT_LOCK_TTL_SECONDS
        self.lease_renew = settings.BEAT_LOCK_RENEW_SECONDS
        self.is_leader: bool | None = None  # not asked yet: the first answer is logged either way
        self._renewed_at = float("-inf")
        super().__init__(*args, **kwargs)
        # Wake up at least this often, to renew the lease or ask for it again.
        self.max_interval = min(self.max_interval, self.lease_renew)

    def _holds_lease(self) -> bool:
        from django.db import DatabaseError, close_old_connections

        if self.is_leader and time.monotonic() - self._renewed_at < self.lease_renew:
            return True  # renewed less than one renewal period ago: still well inside the lease
        close_old_connections()
        try:
            leading = acquire_lease(self.holder, self.lease_ttl)
        except DatabaseError as exc:
            logger.warning("beat lease: the database did not answer (%s); not sending until it does", exc)
            close_old_connections()
            leading = False
        if leading:
            self._renewed_at = time.monotonic()
        if leading != self.is_leader:
            if leading:
                logger.info("beat lease: %s holds it and sends the schedule", self.holder)
            else:
                logger.warning("beat lease: %s does not hold it; standing by", self.holder)
        self.is_leader = leading
        return leading

    def tick(self, *args, **kwargs):
        if not self._holds_lease():
            return self.max_interval
        return super().tick(*args, **kwargs)

    def close(self):
        if self.is_leader:
            try:
                release_lease(self.holder)
                logger.info("beat lease: %s gave it up", self.holder)
            except Exception:  # noqa: BLE001  (stopping anyway: the lease then runs out by itself)
                logger.warning("beat lease: could not give it up; it runs out in %s s", self.lease_ttl)
            self.is_leader = False
        super().close()

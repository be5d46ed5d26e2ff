"""The reminder sweep: the database is the queue, the broker only rings the bell.

One sweep (every minute from beat, or ``manage.py send_reminders``):

1. **Plan.** For every open milestone, task and partner request with a due date, work out the
   reminder occurrence that applies today (N days before, overdue, escalation to managers) and
   insert the rows that do not exist yet. The unique key (subject, object, occurrence, recipient)
   makes a second row for the same reminder impossible, whatever runs at the same time.
2. **Claim.** Per recipient, the due rows are claimed with one conditional UPDATE that sets a
   claim token and a lease; a row whose lease ran out (its sender died) is claimable again.
3. **Send.** One digest email per recipient, in their language, with an .ics attachment and a
   Message-ID stable for the same set of reminders.
4. **Mark.** A compare-and-set on the claim token marks them sent. A failure puts them back with
   a backoff kept in the row; after ``REMINDER_MAX_ATTEMPTS`` they are failed and stay visible.

After an outage, the next sweep sends what is due oldest first, at most
``REMINDER_MAX_EMAILS_PER_SWEEP`` emails a sweep, and marks what is very late.

- ``planning.py``: what is reminded and when, the rows a sweep inserts, cancels and retries;
- ``sending.py``: claim, send, mark, and ``sweep`` itself;
- ``digest.py``: the email, its .ics attachment and its Message-ID.
"""

from .digest import build_digest, message_id_for
from .planning import (
    SweepResult,
    cancel_pending,
    escalation_for,
    occurrence_for,
    plan,
    retry_failed,
)
from .sending import claim, dry_run, health, send_due, sweep

__all__ = [
    "SweepResult",
    "build_digest",
    "cancel_pending",
    "claim",
    "dry_run",
    "escalation_for",
    "health",
    "message_id_for",
    "occurrence_for",
    "plan",
    "retry_failed",
    "send_due",
    "sweep",
]

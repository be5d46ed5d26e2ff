"""How long to wait before trying again: reminders and webhook deliveries share the rule."""

import datetime as dt


def retry_delay(schedule: list[int], attempts: int) -> dt.timedelta:
    """The wait before the next attempt after ``attempts`` failed ones: the schedule's step, its last
    step once it runs out (a minute with an empty schedule)."""
    return dt.timedelta(seconds=schedule[min(attempts, len(schedule)) - 1] if schedule else 60)

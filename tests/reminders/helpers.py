"""What the reminder tests share: their dates in Shanghai, the ids a message carries, waiting."""

import datetime as dt
import time
from zoneinfo import ZoneInfo

from django.db import close_old_connections, connection

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = dt.date(2025, 3, 10)  # a Monday


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def ids_in(messages) -> list[int]:
    """Every reminder id carried by the messages, duplicates kept."""
    return [int(i) for m in messages for i in m["X-CRM-Reminder-Ids"].split(",")]


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        close_old_connections()
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def database_url() -> str:
    """The URL of the test database, for a process started by the test."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"

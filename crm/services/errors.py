"""What a service raises when it refuses a write; every door translates these for its user.

The API answers ServiceError with a 400 on the named field, ServiceForbidden with a 403,
StaleVersion with a 412 and VersionRequired with a 428; the admin shows them on the form; an
import names the spreadsheet row.
"""


class ServiceError(Exception):
    """A business rule refused the write; ``field`` names what to correct."""

    def __init__(self, field: str, message: str, code: str = "invalid"):
        super().__init__(message)
        self.field = field
        self.message = message
        self.code = code


class ServiceForbidden(Exception):
    """The rule exists, but this user may not take this step (``field`` names it, when one does)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class StaleVersion(Exception):
    """The record changed since the writer read it: ``current`` is its version now."""

    def __init__(self, current: int, seen: int | None):
        super().__init__(f"version {seen} is stale, the record is at {current}")
        self.current = current
        self.seen = seen


class VersionRequired(Exception):
    """A change of an existing record must say which version it was made on."""


def check_version(record, seen: int | None) -> None:
    """Refuse a change made on another version of ``record`` than the stored one."""
    if seen is None:
        raise VersionRequired()
    if int(seen) != record.version:
        raise StaleVersion(record.version, seen)

"""The reminder sweep. Issue 4 builds the reminder table, digests and retries here."""


def sweep() -> dict:
    return {"created": 0, "sent": 0}

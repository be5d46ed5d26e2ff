"""Webhooks and chat-group robots: events written with the change, delivered by a sweep.

- :mod:`.events` writes events (the outbox) and their deliveries, in the caller's transaction.
- :mod:`.messages` says in Chinese what happened, for the chat robots.
- :mod:`.channels` builds the request of each channel (generic HMAC, WeCom, DingTalk, Feishu).
- :mod:`.transport` refuses private targets and sends with a timeout.
- :mod:`.delivery` is the sweep: claim, send, mark, retry, fail, disable.

See docs/webhooks.md.
"""

from .events import (
    agreement_signed,
    digest_sent,
    partner_request_saved,
    reminders_planned,
    stage_changed,
)

__all__ = ["agreement_signed", "digest_sent", "partner_request_saved", "reminders_planned", "stage_changed"]

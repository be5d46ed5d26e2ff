"""A real SMTP server (aiosmtpd) on loopback, with the misbehaviours the reminder tests need."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.refuse: set[str] = set()  # addresses answered 550 at RCPT
        self.stall_seconds = 0.0  # DATA waits this long, then answers 451 and keeps nothing
        self.stalled: list[EmailMessage] = []  # messages received while stalling (never accepted)
        self.data_started = threading.Event()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_started.set()
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        if self.stall_seconds:
            with self.lock:
                self.stalled.append(message)
            await asyncio.sleep(self.stall_seconds)
            return "451 4.3.0 Try again later"
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted"


class SMTPServer:
    """Start, stop and restart on the same port, as a real mail server going down and up."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.handler = RecordingHandler()
        self.controller: Controller | None = None

    def start(self) -> SMTPServer:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self.handler.lock:
            return list(self.handler.messages)

    def wait_for(self, count: int, timeout: float = 30) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return self.messages
            time.sleep(0.05)
        raise AssertionError(f"expected {count} message(s), got {len(self.messages)}")

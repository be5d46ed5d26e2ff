"""Real HTTP receivers on loopback, and the settings every webhook test starts from."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from crm.models import WebhookSubscription


@dataclass
class Received:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    raw_query: str = ""

    def json(self):
        return json.loads(self.body)


class Receiver:
    """An HTTP server in a thread that keeps every POST and answers from a script.

    ``answers`` is a list of (status, body) used in order; when it runs out, ``default`` answers.
    ``delay`` seconds pass before each answer (to test the delivery timeout).
    """

    def __init__(self, default=(200, b"ok")):
        self.requests: list[Received] = []
        self.answers: list[tuple[int, bytes]] = []
        self.default = default
        self.delay = 0.0
        self._lock = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                parts = urlsplit(self.path)
                with receiver._lock:
                    receiver.requests.append(
                        Received(parts.path, parse_qs(parts.query), dict(self.headers.items()), body, parts.query)
                    )
                    status, answer = receiver.answers.pop(0) if receiver.answers else receiver.default
                    receiver._lock.notify_all()
                if receiver.delay:
                    time.sleep(receiver.delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} requests, got {len(self.requests)}")
                self._lock.wait(left)
            return list(self.requests)


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def other_receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    """The receivers listen on loopback, which production refuses; no task is queued on commit."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_DELIVER_ON_COMMIT = False
    settings.WEBHOOK_TIMEOUT_SECONDS = 5
    settings.SITE_URL = "https://crm.example.cn"


SECRET = "s3cret-for-tests-0123456789"


def subscribe(url: str, events, *, channel="generic", secret=SECRET, **fields) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        name=fields.pop("name", "数据平台"), channel=channel, url=url, events=list(events), secret=secret, **fields
    )

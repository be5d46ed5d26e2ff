"""Sending to a target we do not control: refuse internal addresses, bound the time, read little.

The address a name resolves to is checked and then connected to directly (the Host header and
TLS name stay the target's), so a name that resolves to a public address when checked and to an
internal one a moment later (DNS rebinding) cannot redirect the request. Redirects are not
followed and proxies from the environment are not used.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

MAX_ANSWER_BYTES = 4096


class TargetRefused(Exception):
    """The URL may not be sent to (scheme, or an internal address)."""


class TransportError(Exception):
    """The target could not be reached or did not answer in time."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: str


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_private or ip.is_loopback or ip.is_link_local)


def resolve(url: str) -> list[str]:
    """The addresses ``url`` may be sent to; raises :class:`TargetRefused` with the reason."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(f"地址格式不正确。 The URL is malformed: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("只支持 http 和 https 地址。 Only http and https URLs are allowed.")
    host = parts.hostname
    if not host:
        raise TargetRefused("地址缺少主机名。 The URL has no host.")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise TargetRefused(f"无法解析主机名 {host}。 The host name does not resolve: {exc}") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise TargetRefused(f"无法解析主机名 {host}。 The host name does not resolve.")
    if not settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        internal = [a for a in addresses if not _is_public(a)]
        if internal:
            raise TargetRefused(
                f"不允许发送到内网、本机、链路本地或组播地址（{internal[0]}）。"
                f" Private, loopback, link-local and multicast targets are not allowed ({internal[0]})."
            )
    return addresses


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float | None = None) -> Answer:
    """POST ``body`` to ``url`` (checked again now) and return the status and the start of the answer."""
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS if timeout is None else timeout
    addresses = resolve(url)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(parts.hostname, parts.port, addresses[0], timeout)
    try:
        connection.request("POST", path, body=body, headers={**headers, "Content-Length": str(len(body))})
        response = connection.getresponse()
        data = response.read(MAX_ANSWER_BYTES)
        return Answer(response.status, data.decode("utf-8", errors="replace"))
    except (OSError, http.client.HTTPException) as exc:
        raise TransportError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        connection.close()

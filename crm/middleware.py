import logging
import socket
import struct
from urllib.parse import parse_qsl, unquote_to_bytes

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _

from .models.validators import NUL_NOT_ALLOWED

logger = logging.getLogger(__name__)


def _where_nul(request) -> str | None:
    """Where a NUL is: ``path``, the name of the query parameter holding it, or ``query``."""
    if "\x00" in request.path or "\x00" in request.path_info:
        return "path"
    raw_query = request.META.get("QUERY_STRING", "")
    if b"\x00" not in unquote_to_bytes(raw_query):
        return None
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        if "\x00" in value and "\x00" not in name:
            return name
    return "query"


class RejectNulMiddleware:
    """NUL in the path or the query string is a 400 before any view or database sees it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = _where_nul(request)
        if where is not None:
            return JsonResponse({where: [str(NUL_NOT_ALLOWED)]}, status=400)
        return self.get_response(request)


def queued_ms(request) -> int | None:
    """How long the request waited before a worker took it, in milliseconds, when that is known.

    gunicorn hands the client's socket to the application (``environ["gunicorn.socket"]``); on
    Linux its TCP_INFO says how long ago the last data of the client arrived
    (``tcpi_last_data_recv``, at byte 52). A request is sent in one go, so that is the time it
    spent in the listen queue while every worker was busy, plus the moment gunicorn took to read
    it. None elsewhere (runserver, tests, a Unix socket, another OS).
    """
    sock = request.META.get("gunicorn.socket")
    if sock is None or not hasattr(socket, "TCP_INFO"):
        return None
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    except (OSError, AttributeError, TypeError):
        return None
    return struct.unpack_from("I", info, 52)[0] if len(info) >= 56 else None


class LoadSheddingMiddleware:
    """A request that waited in the queue longer than ``LOAD_SHED_QUEUE_MS`` is answered 503 at once.

    With every worker busy, requests wait in the listen queue; past a point their callers have
    given up (or soon will) and serving them only makes everyone after them wait longer: at four
    times the normal load that ended in 30-second timeouts everywhere (docs/reliability.md, "Load
    and soak"). Answering those old requests 503 with ``Retry-After`` costs a millisecond, keeps
    the queue short, and lets the service recover as soon as the surge ends. ``/healthz`` is never
    shed. The setting ``LOAD_SHED_QUEUE_MS`` (default 3000) sets the limit; 0 turns the guard off.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.limit_ms = settings.LOAD_SHED_QUEUE_MS

    def __call__(self, request):
        if self.limit_ms > 0 and request.path != "/healthz":
            waited = queued_ms(request)
            if waited is not None and waited > self.limit_ms:
                logger.warning("shed %s %s after %d ms in the queue", request.method, request.path, waited)
                response = JsonResponse(
                    {
                        "detail": _("服务器繁忙，请稍后重试。 The server is busy; try again shortly."),
                        "code": "overloaded",
                    },
                    status=503,
                )
                response["Retry-After"] = "5"
                return response
        return self.get_response(request)

from urllib.parse import parse_qsl, unquote_to_bytes

from django.http import JsonResponse
from django.utils.translation import gettext as _


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
            return JsonResponse({where: [_("不允许包含空字符（NUL）。 NUL characters are not allowed.")]}, status=400)
        return self.get_response(request)

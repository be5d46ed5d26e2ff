from urllib.parse import unquote_to_bytes

from django.http import JsonResponse
from django.utils.translation import gettext as _


class RejectNulMiddleware:
    """NUL in the path or the query string is a 400 before any view or database sees it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw_query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or b"\x00" in unquote_to_bytes(raw_query) or "\x00" in request.path_info:
            where = "path" if "\x00" in request.path else "query"
            return JsonResponse({where: [_("不允许包含空字符（NUL）。 NUL characters are not allowed.")]}, status=400)
        return self.get_response(request)

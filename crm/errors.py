"""Error pages: JSON under /api/ (the contract says JSON only), Django's pages elsewhere."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views import defaults


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": _("未找到。 Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": _("服务器内部错误。 Internal server error.")}, status=500)
    return defaults.server_error(request)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out sign-in: 429 with Retry-After; JSON under /api/.

    Replaces axes' own answer, whose XMLHttpRequest branch would allow any origin (CORS ``*``).
    """
    message = _(
        "登录失败次数过多，账户已暂时锁定，请 %(hours)s 小时后重试或联系管理员。 "
        "Too many failed sign-ins: locked for %(hours)s hour(s); try again later or ask an administrator."
    ) % {"hours": f"{settings.AXES_COOLOFF_TIME:g}"}
    if _is_api(request):
        response = JsonResponse({"detail": message, "code": "locked_out"}, status=429)
    else:
        response = HttpResponse(f"<!DOCTYPE html><title>429</title><p>{escape(message)}</p>", status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME * 3600))
    return response

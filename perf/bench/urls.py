"""The project's URLs plus ``bench/floor/<list>/``: the raw-SQL floor of a list as a plain view."""

from functools import cache

from django.http import Http404, HttpResponse
from django.urls import include, path


@cache
def _connection():
    from .floors import floor_connection

    return floor_connection()


def floor_view(request, name: str):
    """The page the API's list answers, from one SQL query and orjson (no DRF, no ORM)."""
    from .floors import FLOORS

    if name not in FLOORS:
        raise Http404(name)
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        raise Http404("page") from None
    with _connection().cursor() as cursor:
        body = FLOORS[name].page(cursor, page, 50, host=f"{request.scheme}://{request.get_host()}")
    return HttpResponse(body, content_type="application/json")


urlpatterns = [
    path("bench/floor/<str:name>/", floor_view),
    path("", include("config.urls")),
]

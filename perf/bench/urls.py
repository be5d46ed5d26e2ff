"""The project's URLs plus ``bench/floor/<list>/``: the raw-SQL floor of a list as a plain view."""

from functools import cache

from django.http import Http404, HttpResponse
from django.urls import include, path


@cache
def _floors():
    from .floors import floor_connection
    from .run import bench_user, list_endpoints

    user, _token = bench_user()
    return floor_connection(), {name: floor for name, _url, floor in list_endpoints(user) if floor is not None}


def floor_view(request, name: str):
    """The page the API's list answers, from one SQL query and orjson (no DRF, no ORM)."""
    db, floors = _floors()
    if name not in floors:
        raise Http404(name)
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        raise Http404("page") from None
    with db.cursor() as cursor:
        body = floors[name].page(cursor, page, 50, host=f"{request.scheme}://{request.get_host()}")
    return HttpResponse(body, content_type="application/json")


urlpatterns = [
    path("bench/floor/<str:name>/", floor_view),
    path("", include("config.urls")),
]

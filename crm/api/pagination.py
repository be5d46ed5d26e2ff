from django.db.models import Count, Window
from django.utils.translation import gettext_lazy as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=`` and ``?page_size=`` (default 50, capped at 200, never an error).

    The total is read in the same query as the page (``COUNT(*) OVER ()``), so a list costs
    one query for its rows and count; only a page past the end asks for the count alone.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    invalid_page_message = _("页码无效。 Invalid page.")
    # Rows read beyond the page, in the same query, for views that need the next one (history diffs).
    lookahead = 0

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        try:
            size = int(raw) if raw is not None else self.page_size
        except (TypeError, ValueError):
            return self.page_size
        return max(1, min(size, self.max_page_size))

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size_now = self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param, "1")
        if raw in self.last_page_strings:
            count = queryset.count()
            self.page_number = max(1, -(-count // self.page_size_now))
        else:
            try:
                self.page_number = int(raw)
            except (TypeError, ValueError):
                raise NotFound(self.invalid_page_message) from None
            if self.page_number < 1 or self.page_number > 10**9:
                raise NotFound(self.invalid_page_message)
        offset = (self.page_number - 1) * self.page_size_now
        rows = list(
            queryset.annotate(_total_count=Window(Count("*")))[offset : offset + self.page_size_now + self.lookahead]
        )
        rows, self.beyond = rows[: self.page_size_now], rows[self.page_size_now :]
        if rows:
            self.count = rows[0]._total_count
        else:
            self.count = queryset.count() if self.page_number > 1 else 0
            if self.page_number > 1:
                raise NotFound(self.invalid_page_message)
        return rows

    def has_next(self):
        return self.page_number * self.page_size_now < self.count

    def get_next_link(self):
        if not self.has_next():
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, self.page_number + 1)

    def get_previous_link(self):
        if self.page_number <= 1:
            return None
        url = self.request.build_absolute_uri()
        if self.page_number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.page_number - 1)

    def get_paginated_response(self, data):
        return Response(
            {"count": self.count, "next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

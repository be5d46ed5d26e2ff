"""How a list (and a detail) is read and written: docs/performance.md, "How a list is read".

- ``shapes.py``: a resource's JSON, declared once beside its viewset (:class:`Shape`);
- ``pagination.py``: page numbers by a deferred join, the capped or estimated ``count``;
- ``positions.py``: the ``after``/``before`` positions of the links, read on the index.
"""

from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from ..preconditions import etag
from .pagination import PageNumberPagination
from .shapes import Column, Computed, Condition, Expression, Ids, Label, Shape, UserName

__all__ = [
    "Column",
    "Computed",
    "Condition",
    "Expression",
    "Ids",
    "Label",
    "PageNumberPagination",
    "Shape",
    "ShapedMixin",
    "UserName",
]


class ShapedMixin:
    # A viewset whose list and detail are written by its ``shape``: one statement a page, one a
    # record. Filters, search, ordering and visibility are DRF's (``filter_queryset`` of
    # ``get_queryset``). (A comment, not a docstring: the schema takes a view's description from
    # the first docstring of its classes.)

    shape: Shape

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        rows = self.paginator.paginate_queryset(queryset, request, view=self, shape=self.shape)
        return self.get_paginated_response(self.shape.write(rows))

    def retrieve(self, request, *args, **kwargs):
        return self.shaped_response(self.filter_queryset(self.get_queryset()), self.kwargs[self.lookup_field])

    def shaped_response(self, queryset, pk, status: int = 200, headers=None) -> Response:
        """The record ``pk`` of ``queryset`` as the shape writes it (404 when it is not there),
        with its ``ETag`` when it has a version."""
        data = self.shape.one(queryset.filter(pk=pk))
        if data is None:
            raise NotFound()
        if "version" in data:
            headers = {**(headers or {}), "ETag": etag(data["version"])}
        return Response(data, status=status, headers=headers)

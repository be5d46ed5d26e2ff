from rest_framework import filters

from ..models.base import normalize_search


class SearchFilter(filters.SearchFilter):
    """``?search=``: case- and width-insensitive (NFKC + casefold), Chinese and English."""

    def get_search_terms(self, request):
        return [normalize_search(term) for term in super().get_search_terms(request)]

"""Filter backends every list shares (settings' DEFAULT_FILTER_BACKENDS)."""

from rest_framework import filters


class SearchFilter(filters.SearchFilter):
    """DRF's `?search=`, offered in the schema only by a list that searches (`search_fields`);
    elsewhere the parameter would be advertised and ignored."""

    def get_schema_operation_parameters(self, view):
        if not getattr(view, "search_fields", None):
            return []
        return super().get_schema_operation_parameters(view)

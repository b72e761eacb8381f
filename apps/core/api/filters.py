"""Filter backends every list shares (settings' DEFAULT_FILTER_BACKENDS)."""

from rest_framework import filters


class SearchFilter(filters.SearchFilter):
    """DRF's `?search=`, offered in the schema only by a list that searches (`search_fields`);
    elsewhere the parameter would be advertised and ignored."""

    def get_schema_operation_parameters(self, view):
        if not getattr(view, "search_fields", None):
            return []
        return super().get_schema_operation_parameters(view)


class OrderingFilter(filters.OrderingFilter):
    """DRF's `?ordering=`, always ending on the id (in the direction of the first column), so
    rows with equal values keep one order and pages never overlap or skip a row. Without
    `?ordering=`, the queryset's own order (the view's, else the model's), id last too. Lists
    index each ordering they offer, id last (`apps.core.models.active_ordering_indexes`)."""

    def get_ordering(self, request, queryset, view):
        ordering = (
            super().get_ordering(request, queryset, view)
            or queryset.query.order_by
            or (queryset.query.default_ordering and queryset.model._meta.ordering)
        )
        if not ordering:
            return ordering
        ordering = [
            t for t in ordering if not isinstance(t, str) or t.lstrip("-") not in ("pk", "id")
        ]
        descending = bool(ordering) and isinstance(ordering[0], str) and ordering[0][0] == "-"
        return [*ordering, "-pk" if descending else "pk"]

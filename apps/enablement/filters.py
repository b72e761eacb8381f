"""The filter bar of a rep's own requests (`apps.core.listing`)."""

import django_filters

from apps.content.models import EnablementRequest
from apps.core.listing import ListFilter, SearchFilter


class MyRequestFilter(ListFilter):
    q = SearchFilter(fields=("need", "notes", "opportunity__name"), placeholder="Need or deal")
    status = django_filters.ChoiceFilter(
        choices=EnablementRequest.Status.choices, empty_label="Any status"
    )

    class Meta:
        model = EnablementRequest
        fields = ["q", "status"]

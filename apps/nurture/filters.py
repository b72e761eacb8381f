"""The filter bar of the sequence list (`apps.core.listing`)."""

import django_filters
from django import forms

from apps.core.listing import ListFilter, SearchFilter
from apps.nurture.models import Sequence


class SequenceFilter(ListFilter):
    q = SearchFilter(fields=("name", "journey_stage__name", "persona__name"), placeholder="Name")
    is_active = django_filters.BooleanFilter(
        label="Status",
        widget=forms.Select(choices=[("", "Any status"), ("true", "Active"), ("false", "Draft")]),
    )

    class Meta:
        model = Sequence
        fields = ["q", "is_active"]

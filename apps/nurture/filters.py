"""The filter bar of the sequence list (`apps.core.listing`)."""

import django_filters
from django import forms

from apps.core.listing import ListFilter, SearchFilter
from apps.nurture.models import Enrollment, Sequence


class SequenceFilter(ListFilter):
    q = SearchFilter(fields=("name", "journey_stage__name", "persona__name"), placeholder="Name")
    is_active = django_filters.BooleanFilter(
        label="Status",
        widget=forms.Select(choices=[("", "Any status"), ("true", "Active"), ("false", "Draft")]),
    )

    class Meta:
        model = Sequence
        fields = ["q", "is_active"]


class EnrollmentFilter(ListFilter):
    q = SearchFilter(
        fields=(
            "contact__first_name",
            "contact__last_name",
            "contact__email",
            "contact__account__name",
        ),
        placeholder="Contact or account",
    )
    status = django_filters.ChoiceFilter(
        choices=Enrollment.Status.choices, empty_label="Any status"
    )

    class Meta:
        model = Enrollment
        fields = ["q", "status"]
